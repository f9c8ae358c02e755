package io.paligemma.cli;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline (image → tokens → text) on the small bundled checkpoint. Its weights are "
                + "random, so the text is noise; what it shows is that everything runs, and how long each stage takes.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws IOException {
        try (BundledDemo demo = new BundledDemo()) {
            RgbImage picture = new ImageDecoder().read(demo.image);
            System.out.println("paligemma-ffm demo: " + BundledDemo.LABEL + ", with a real SentencePiece tokenizer.");
            System.out.println("It shows the pipeline running: image " + picture.width() + "x" + picture.height()
                    + " → Pillow-exact resize → SigLIP → projector → Gemma 2 → tokens → text.");
            Options options = Options.defaults().withBackend(Backend.parse(backend.backend)).withThreads(backend.threads);
            try (PaliGemma model = PaliGemma.load(demo.checkpoint, options)) {
                System.out.print("\ncaption en (sampled: temperature 1, top-k 40, seed 1) → ");
                GenerationConfig sampled = GenerationConfig.greedy(24).withSampling(new SamplingConfig(1f, 40, 1f, 0f, 1));
                Result r = model.generate(picture, "caption en", sampled, text -> {
                    System.out.print(text);
                    System.out.flush();
                });
                System.out.println();
                System.out.println("\nbackend " + backend.backend + ": " + r.timings());
            }
            System.out.println("""

                    With a real model (a downloaded google/paligemma-* or google/paligemma2-* directory):
                      ./paligemma generate --model DIR --image photo.jpg --prompt "caption en"
                      ./paligemma detect --model DIR --image photo.jpg --objects "cat ; dog" --out boxes.png
                    ./paligemma --help lists every command.""");
            return 0;
        }
    }
}
