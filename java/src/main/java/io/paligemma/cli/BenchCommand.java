package io.paligemma.cli;

import io.paligemma.bench.Bench;
import io.paligemma.bench.BenchChart;
import io.paligemma.bench.BenchReport;
import io.paligemma.bench.Roofline;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.ops.NativeOps;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.RandomCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time every stage of a request (load, preprocess, vision, projector, prefill, time to first token, "
                + "decode) on each backend side by side, and measure the machine's roofline in the same run.",
                "Presets write a random-weight checkpoint once into $PALIGEMMA_CACHE (default ~/.cache/paligemma-ffm)/presets "
                        + "and reuse it: paligemma-3b-224 takes 11.7 GB in f32, 5.8 GB in bf16, 3.5 GB in int8 (quantized "
                        + "from the bf16 one, which stays cached)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "a Hugging Face PaliGemma checkpoint directory")
    Path model;

    @Option(names = "--preset", paramLabel = "NAME", description = "a published model shape with random weights, e.g. paligemma-3b-224")
    String preset;

    @Option(names = "--weights", paramLabel = "f32,bf16,f16,int8", split = ",", defaultValue = "f32,bf16",
            description = "weight types of the preset checkpoints: f32, bf16, f16, int8 (the bf16 checkpoint quantized "
                    + "as `quantize` does: language model int8, the rest bf16) (default ${DEFAULT-VALUE})")
    List<String> weights;

    @Option(names = "--backends", paramLabel = "native,java", split = ",", defaultValue = "native,java",
            description = "backends to compare in this run (default ${DEFAULT-VALUE})")
    List<String> backends;

    @Mixin
    IsaOption isa;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "compute threads (default: physical cores)")
    int threads;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "untimed requests first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "timed requests (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--decode-tokens", paramLabel = "N", defaultValue = "32", description = "decode steps timed per request (default ${DEFAULT-VALUE})")
    int decodeTokens;

    @Option(names = "--image", paramLabel = "FILE", description = "picture to preprocess (default: a 640x480 stand-in)")
    Path image;

    @Option(names = "--roofline-mib", paramLabel = "MiB", defaultValue = "1024",
            description = "buffer of the bandwidth probe; 0 skips the roofline (default ${DEFAULT-VALUE})")
    long rooflineMib;

    @Option(names = "--in-process", description = "run every (weights, backend) configuration in this JVM instead of "
            + "one fresh JVM each (the Java backend's second weights type then runs on code compiled for the first)")
    boolean inProcess;

    @Option(names = "--json", paramLabel = "FILE", description = "write every number as JSON")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "draw the medians as grouped bars (PNG)")
    Path chart;

    @Option(names = "--clients", paramLabel = "N,N,...", split = ",",
            description = "serving mode: the scheduler under N simulated clients (each N in turn; e.g. 1,2,4,8,16) that send "
                    + "requests with exponential pauses, one weights type and one backend, no HTTP")
    List<Integer> clients;

    @Option(names = "--decode-rows", paramLabel = "N,N,...", split = ",",
            description = "decode-step mode: the batched decode step alone with N rows (each N in turn; e.g. 1,2,4,8,16,31), "
                    + "one prompt's KV shared by every row, one weights type and one backend")
    List<Integer> decodeRows;

    @Option(names = "--decode-steps", paramLabel = "N", defaultValue = "12",
            description = "decode-step and beam modes: timed steps per row count / per request (default ${DEFAULT-VALUE})")
    int decodeSteps;

    @Option(names = "--serving-json", paramLabel = "FILE.json",
            description = "with --chart: redraw the chart of a serving run from the JSON it wrote (runs nothing)")
    Path servingJson;

    @Option(names = "--beams", paramLabel = "N,N,...", split = ",",
            description = "beam mode: decode time per output token of one request with N beams (1 = greedy; e.g. 1,3), "
                    + "the prompt computed once, the beam counts taking turns --repeat times; one weights type, one backend")
    List<Integer> beams;

    @Option(names = "--requests-per-client", paramLabel = "N", defaultValue = "2",
            description = "serving mode: requests each client sends (default ${DEFAULT-VALUE})")
    int requestsPerClient;

    @Option(names = "--think-ms", paramLabel = "MS", defaultValue = "1000",
            description = "serving mode: mean pause before each request, exponential (default ${DEFAULT-VALUE})")
    double thinkMs;

    @Option(names = "--prompt-text", paramLabel = "MIN-MAX", defaultValue = "4-24",
            description = "serving mode: text tokens of a prompt, uniform (default ${DEFAULT-VALUE})")
    String promptText;

    @Option(names = "--answer-tokens", paramLabel = "MIN-MAX", defaultValue = "16-96",
            description = "serving mode: tokens of an answer, uniform, EOS ignored (default ${DEFAULT-VALUE})")
    String answerTokens;

    @Mixin
    SchedulerFlags scheduler;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (servingJson != null) {
            if (chart == null) {
                throw new IllegalArgumentException("--serving-json redraws a chart: give --chart FILE.png");
            }
            io.paligemma.bench.ServingChart.writePng(io.paligemma.bench.ServingChart.title(servingJson),
                    io.paligemma.bench.ServingChart.readRows(servingJson), chart);
            System.out.println("wrote " + chart);
            return 0;
        }
        CheckpointArgs.requireOneOf(model, preset);
        Ranges.atLeast("--roofline-mib", rooflineMib, 0);
        OpsProvider.threads(threads);
        if (model != null && spec.commandLine().getParseResult().hasMatchedOption("--weights")) {
            throw new IllegalArgumentException("--weights chooses the preset checkpoints; --model runs the weights it holds");
        }
        List<Backend> bs = backends.stream().map(Backend::parse).toList();
        if ((clients != null ? 1 : 0) + (decodeRows != null ? 1 : 0) + (beams != null ? 1 : 0) > 1) {
            throw new IllegalArgumentException("--clients, --decode-rows and --beams are separate modes: give one");
        }
        if (beams != null) {
            return beamCost(bs);
        }
        if (clients != null) {
            return serving(bs);
        }
        if (decodeRows != null) {
            return decodeRows(bs);
        }
        List<Bench.Target> targets = new ArrayList<>();
        if (model != null) {
            targets.add(new Bench.Target(CheckpointArgs.existing(model), model.getFileName().toString()));
        } else {
            for (String w : weights) {
                Path dir = CheckpointArgs.preset(preset, CheckpointArgs.weights("--weights", w));
                targets.add(new Bench.Target(dir, RandomCheckpoint.presetName(preset) + " (random weights)"));
            }
        }
        RgbImage picture = image == null ? null : new ImageDecoder().read(image);
        var roofline = rooflineMib <= 0 ? Roofline.Settings.NONE
                : new Roofline.Settings(rooflineMib << 20, Roofline.Settings.DEFAULT.fmaMillis(), Roofline.Settings.DEFAULT.rounds());
        var settings = new Bench.Settings(bs, threads, warmup, repeat, decodeTokens, picture, image, roofline, !inProcess);
        BenchReport report = Bench.run(targets, settings, new ConsoleProgress(), msg -> System.err.println("bench: " + msg));
        System.out.println();
        System.out.printf(Locale.ROOT, "%s, %d cores, %d thread(s); load average %.2f at start, %.2f at end%n",
                report.machine().cpuModel(), report.machine().cores(), report.threads(), report.loadStart()[0], report.loadEnd()[0]);
        System.out.println("native kernels: " + NativeOps.kernelIsaSummary());
        System.out.printf(Locale.ROOT, "workload: %s, prompt %d tokens (%d image), %d decode tokens, warm-up %d, repeat %d%n%n",
                report.setup().model(), report.setup().promptTokens(), report.setup().imageTokens(), report.setup().decodeTokens(),
                report.setup().warmup(), report.setup().repeat());
        System.out.println(report.table());
        System.out.println(report.rooflineSummary());
        System.out.println(report.rooflineTable());
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        if (chart != null) {
            BenchChart.writePng(report, chart);
            System.out.println("wrote " + chart);
        }
        return 0;
    }

    /** --beams: decode time per output token with k beams against greedy; one weights type, one backend. */
    private int beamCost(List<Backend> bs) throws java.io.IOException {
        OneTarget target = oneTarget(bs, "--beams");
        Ranges.atLeast("--decode-steps", decodeSteps, 1);
        Ranges.atLeast("--repeat", repeat, 1);
        double[] loadStart = io.paligemma.bench.MachineInfo.loadAverage();
        var rows = io.paligemma.bench.BeamBench.run(target.dir(), bs.get(0), threads, beams, decodeSteps, repeat,
                msg -> System.err.println("bench: " + msg));
        double[] loadEnd = io.paligemma.bench.MachineInfo.loadAverage();
        printMachine(bs.get(0));
        System.out.printf(Locale.ROOT, "workload: %s; one prompt, computed once; load average %.2f at start, %.2f at end%n%n",
                target.label(), loadStart[0], loadEnd[0]);
        System.out.println(io.paligemma.bench.BeamBench.table(rows));
        return 0;
    }

    /** The one checkpoint a single-configuration mode runs, and its label in the output. */
    private record OneTarget(Path dir, String label) {
    }

    /** The checkpoint directory and its label for a mode that runs one weights type (bf16 unless --weights says) on one backend. */
    private OneTarget oneTarget(List<Backend> bs, String mode) throws java.io.IOException {
        var parse = spec.commandLine().getParseResult();
        if (bs.size() != 1 && parse.hasMatchedOption("--backends")) {
            throw new IllegalArgumentException(mode + " runs one backend: give one to --backends");
        }
        if (model != null) {
            return new OneTarget(CheckpointArgs.existing(model), model.getFileName().toString());
        }
        List<String> w = parse.hasMatchedOption("--weights") ? weights : List.of("bf16");
        if (w.size() != 1) {
            throw new IllegalArgumentException(mode + " runs one weights type: give one to --weights");
        }
        return new OneTarget(CheckpointArgs.preset(preset, CheckpointArgs.weights("--weights", w.get(0))),
                RandomCheckpoint.presetName(preset) + " " + w.get(0) + " (random weights)");
    }

    /** The machine line every single-configuration mode prints before its table. */
    private void printMachine(Backend backend) {
        var machine = io.paligemma.bench.MachineInfo.probe();
        System.out.println();
        System.out.printf(Locale.ROOT, "%s, %d cores, %d thread(s), %s backend; native kernels: %s%n", machine.cpuModel(),
                machine.cores(), OpsProvider.threads(threads), backend.id(), NativeOps.kernelIsaSummary());
    }

    /** --decode-rows: the batched decode step alone, by rows; one weights type (bf16 unless --weights says), one backend. */
    private int decodeRows(List<Backend> bs) throws java.io.IOException {
        OneTarget target = oneTarget(bs, "--decode-rows");
        Ranges.atLeast("--decode-steps", decodeSteps, 1);
        double[] loadStart = io.paligemma.bench.MachineInfo.loadAverage();
        var rows = io.paligemma.bench.DecodeRowsBench.run(target.dir(), bs.get(0), threads, decodeRows, decodeSteps,
                msg -> System.err.println("bench: " + msg));
        double[] loadEnd = io.paligemma.bench.MachineInfo.loadAverage();
        printMachine(bs.get(0));
        System.out.printf(Locale.ROOT, "workload: %s; one prompt's KV shared by every row; load average %.2f at start, %.2f at end%n%n",
                target.label(), loadStart[0], loadEnd[0]);
        System.out.println(io.paligemma.bench.DecodeRowsBench.table(rows));
        return 0;
    }

    /** --clients: the scheduler under simulated clients, one weights type (bf16 unless --weights says) on one backend. */
    private int serving(List<Backend> bs) throws Exception {
        OneTarget target = oneTarget(bs, "--clients");
        Path dir = target.dir();
        String label = target.label();
        Ranges.atLeast("--requests-per-client", requestsPerClient, 1);
        if (chart != null && json == null) {
            throw new IllegalArgumentException("--clients draws its chart from its --json file: give --json too");
        }
        var settings = new io.paligemma.bench.ServingBench.Settings(clients, requestsPerClient, thinkMs,
                range("--prompt-text", promptText), range("--answer-tokens", answerTokens), bs.get(0), threads,
                scheduler.options(), 42);
        var rows = io.paligemma.bench.ServingBench.run(dir, settings, msg -> System.err.println("bench: " + msg));
        printMachine(bs.get(0));
        System.out.printf(Locale.ROOT, "workload: %s; %d request(s) per client, pauses Exp(mean %.0f ms), prompt text %s tokens, "
                        + "answers %s tokens (greedy, EOS ignored), a new picture per request; %s%n%n", label, requestsPerClient,
                thinkMs, promptText, answerTokens, settings.scheduler());
        System.out.println(io.paligemma.bench.ServingBench.table(rows));
        if (json != null) {
            io.paligemma.bench.ServingBench.writeJson(json, label, settings, rows);
            System.out.println("wrote " + json);
            if (chart != null) {
                io.paligemma.bench.ServingChart.writePng(io.paligemma.bench.ServingChart.title(json), rows, chart);
                System.out.println("wrote " + chart);
            }
        }
        return 0;
    }

    private static int[] range(String option, String value) {
        String[] parts = value.split("-");
        try {
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
            }
            if (parts.length == 1) {
                int v = Integer.parseInt(parts[0].trim());
                return new int[] {v, v};
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new IllegalArgumentException(option + " takes MIN-MAX (e.g. 16-96), not " + value);
    }
}
