package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code paligemma bench}: the roofline first, then every checkpoint on every backend, one after the
 * other with the same thread setting, each in a fresh JVM of its own ({@link ForkedRun}) unless the
 * settings ask for all of them in this one.
 */
public final class Bench {
    private Bench() {
    }

    /**
     * @param backends  backends to compare (those that cannot start are reported as skipped)
     * @param threads   compute threads (0 = physical cores)
     * @param image     the picture to preprocess (null: a synthetic 640x480 one); imageFile is where it was read
     *                  from, which a forked run reads again (null with a null image)
     * @param fork      each (checkpoint, backend) run in a JVM of its own ({@link ForkedRun}), else all in this one
     */
    public record Settings(List<Backend> backends, int threads, int warmup, int repeat, int decodeTokens, RgbImage image,
                           Path imageFile, Roofline.Settings roofline, boolean fork) {
        public Settings {
            if (fork && image != null && imageFile == null) {
                throw new IllegalArgumentException("a forked run needs the picture's file, not only its pixels");
            }
            backends = List.copyOf(new LinkedHashSet<>(backends));
            if (backends.isEmpty()) {
                throw new IllegalArgumentException("no backend to bench");
            }
            if (repeat < 1 || warmup < 0 || decodeTokens < 1) {
                throw new IllegalArgumentException("need repeat >= 1, warmup >= 0, decode tokens >= 1; got " + repeat + ", "
                        + warmup + ", " + decodeTokens);
            }
        }
    }

    /** A checkpoint directory, and what to call it in the report. */
    public record Target(Path directory, String name) {
    }

    public static BenchReport run(List<Target> targets, Settings s, Progress progress, Consumer<String> log) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no checkpoint to bench");
        }
        int threads = s.threads() > 0 ? s.threads() : OpsProvider.defaultThreads();
        double[] loadStart = MachineInfo.loadAverage();
        MachineInfo machine = MachineInfo.probe();
        List<BenchReport.Skipped> skipped = new ArrayList<>();
        List<Backend> usable = new ArrayList<>();
        for (Backend b : s.backends()) {
            try (OpsProvider p = OpsProvider.open(b, 1)) {
                usable.add(b);
            } catch (RuntimeException | LinkageError e) {
                skipped.add(new BenchReport.Skipped(b.id(), "*", String.valueOf(e.getMessage())));
                log.accept("skipping the " + b.id() + " backend: " + e.getMessage());
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalStateException("no backend could start: " + skipped);
        }
        log.accept(String.format(java.util.Locale.ROOT, "load average at start: %.2f %.2f %.2f", loadStart[0], loadStart[1],
                loadStart[2]));
        Roofline roofline = Roofline.measure(s.roofline(), threads, progress);
        RgbImage image = s.image() != null ? s.image() : Workload.syntheticImage(640, 480);
        List<StageResult> runs = new ArrayList<>();
        Workload first = null;
        for (Target t : targets) {
            PaliGemmaConfig config = PaliGemmaConfig.read(t.directory());
            Workload work = Workload.of(config, s.decodeTokens(), image);
            if (first == null) {
                first = work;
            } else if (first.promptTokens() != work.promptTokens()) {
                throw new IllegalArgumentException("the checkpoints differ in shape (" + first.promptTokens() + " vs "
                        + work.promptTokens() + " prompt tokens); bench one model per run");
            }
            for (Backend b : usable) {
                long readNow = Roofline.readNowBytes(s.roofline());
                runs.addAll(s.fork()
                        ? ForkedRun.run(t.directory(), b, threads, s.decodeTokens(), s.imageFile(), s.warmup(), s.repeat(), readNow)
                        : ModelBench.run(t.directory(), b, threads, work, s.warmup(), s.repeat(), readNow, progress));
            }
        }
        double[] loadEnd = MachineInfo.loadAverage();
        PaliGemmaConfig c = PaliGemmaConfig.read(targets.get(0).directory());
        var setup = new BenchReport.Setup(targets.get(0).name(), first.promptTokens(), c.numImageTokens(), s.decodeTokens(),
                s.warmup(), s.repeat(), image.width(), image.height());
        return new BenchReport(machine, threads, loadStart, loadEnd, roofline, setup, runs, skipped);
    }
}
