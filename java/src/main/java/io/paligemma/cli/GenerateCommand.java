package io.paligemma.cli;

import io.paligemma.api.Generation;
import io.paligemma.api.LogprobsJson;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import java.io.IOException;
import java.io.PrintStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Answer a prompt about a picture: image → tokens → text, streamed as it is produced. "
                + "Without --model it runs on the bundled demo checkpoint (random weights).",
                "Prompts: 'caption en', 'describe en', 'ocr', 'answer en WHAT IS THIS?', 'question en ANSWER', "
                        + "'detect cat ; dog', 'segment cat'."})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--image", paramLabel = "FILE",
            description = "PNG, JPEG, BMP, GIF or WebP (required with --model; the demo has its own picture). "
                    + "Repeat it for many pictures: all go to the model's scheduler (up to --max-running decoded "
                    + "together), one JSON line per picture, in order, with a progress bar.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "the task prompt")
    String prompt;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--timings", description = "print per-stage timings to stderr")
    boolean timings;

    @Override
    public Integer call() throws IOException {
        if (model.model == null) {
            try (BundledDemo demo = new BundledDemo()) {
                System.err.println("no --model given: using the " + BundledDemo.LABEL);
                model.model = demo.checkpoint;
                return run(images.isEmpty() ? List.of(demo.image) : images);
            }
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("--image FILE is required with --model");
        }
        return run(images);
    }

    private int run(List<Path> files) throws IOException {
        if (files.size() > 1) {
            return batch(files);
        }
        RgbImage picture = new ImageDecoder().read(files.get(0));
        GenerationConfig config = sampling.config();
        try (PaliGemma m = model.load()) {
            PrintStream out = System.out;
            Result r = m.generate(picture, prompt, config, text -> {
                out.print(text);
                out.flush();
            });
            out.println();
            if (config.logprobs()) {
                ObjectMapper json = new ObjectMapper();
                ObjectNode line = json.createObjectNode();
                line.set("logprobs", LogprobsJson.of(json, r.logprobs(), m.tokenizer()));
                out.println(json.writeValueAsString(line));
            }
            if (config.beams().enabled() && config.beams().numReturnSequences() > 1) {
                ObjectMapper json = new ObjectMapper();
                ObjectNode line = json.createObjectNode();
                line.set("sequences", sequences(json, r));
                out.println(json.writeValueAsString(line));
            }
            if (timings) {
                System.err.println("[" + r.finishReason().name().toLowerCase() + "] " + r.timings());
            }
            if (r.finishReason().problem() != null) {
                System.err.println("paligemma generate: " + r.finishReason().problem());
                return Errors.BAD_INPUT;
            }
        }
        return 0;
    }

    /**
     * Many pictures, one prompt: every request goes to the model's scheduler (as many in flight as it runs and
     * queues; submitting waits for room), and the results print in input order as they are ready.
     */
    private int batch(List<Path> files) throws ImageException {
        ImageDecoder decoder = new ImageDecoder();
        List<RgbImage> pictures = new ArrayList<>();
        for (Path f : files) {
            pictures.add(decoder.read(f)); // every picture is checked before the model is loaded
        }
        GenerationConfig config = sampling.config();
        ObjectMapper json = new ObjectMapper();
        try (PaliGemma m = model.load();
             ProgressBar bar = new ProgressBarBuilder().setTaskName("generate").setInitialMax(files.size())
                     .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
            var limits = model.scheduler.options();
            Semaphore room = new Semaphore(limits.maxRunning() + limits.maxQueued());
            List<Generation> running = new ArrayList<>();
            int printed = 0;
            for (int i = 0; i < pictures.size(); i++) {
                while (!room.tryAcquire()) {
                    if (printed < running.size()) {
                        printed = print(json, files, running, printed, config, m); // wait for the oldest answer
                    } else {
                        room.acquireUninterruptibly();                   // its permit is on its way back
                        break;
                    }
                }
                Generation g = m.submit(pictures.get(i), prompt, config, null);
                g.result().whenComplete((r, e) -> {
                    room.release();
                    bar.step();
                });
                running.add(g);
            }
            while (printed < files.size()) {
                printed = print(json, files, running, printed, config, m);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return 0;
    }

    /** The returned beams, best first: text, ids, how each ended and its score (HF's sequences_scores). */
    private static com.fasterxml.jackson.databind.node.ArrayNode sequences(ObjectMapper json, Result r) {
        var array = json.createArrayNode();
        for (var s : r.sequences()) {
            ObjectNode o = array.addObject();
            o.put("text", s.text()).put("finish", s.finishReason().name().toLowerCase());
            o.putPOJO("tokens", s.tokenIds());
            o.put("score", s.score());
        }
        return array;
    }

    /** Prints the next answer in input order (waiting for it); returns how many are printed. */
    private int print(ObjectMapper json, List<Path> files, List<Generation> running, int printed, GenerationConfig config,
                      PaliGemma m) throws com.fasterxml.jackson.core.JsonProcessingException {
        Result r = running.get(printed).await();
        ObjectNode line = json.createObjectNode();
        line.put("image", files.get(printed).toString()).put("text", r.text())
                .put("finish", r.finishReason().name().toLowerCase());
        line.putPOJO("tokens", r.tokenIds());
        if (config.logprobs()) {
            line.set("logprobs", LogprobsJson.of(json, r.logprobs(), m.tokenizer()));
        }
        if (config.beams().enabled()) {
            line.set("sequences", sequences(json, r));
        }
        if (timings) {
            line.put("timings", r.timings().toString());
        }
        System.out.println(json.writeValueAsString(line));
        return printed + 1;
    }
}
