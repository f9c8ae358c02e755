package io.paligemma.cli;

import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
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
            description = "PNG, JPEG, BMP, GIF or WebP (required with --model; the demo has its own picture)")
    Path image;

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
                return run(image != null ? image : demo.image);
            }
        }
        if (image == null) {
            throw new IllegalArgumentException("--image FILE is required with --model");
        }
        return run(image);
    }

    private int run(Path imageFile) throws ImageException {
        RgbImage picture = new ImageDecoder().read(imageFile);
        try (PaliGemma m = model.load()) {
            PrintStream out = System.out;
            Result r = m.generate(picture, prompt, sampling.config(), text -> {
                out.print(text);
                out.flush();
            });
            out.println();
            if (timings) {
                System.err.println("[" + r.finishReason().name().toLowerCase() + "] " + r.timings());
            }
        }
        return 0;
    }
}
