package io.paligemma.cli;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline (image → tokens → text) on the small bundled checkpoint. Its weights are "
                + "random, so the text is noise; what it shows is that everything runs, and how long each stage takes.")
final class DemoCommand implements Callable<Integer> {
    static final String RESOURCE = "/demo/";
    static final List<String> CHECKPOINT_FILES = List.of("config.json", "generation_config.json",
            "preprocessor_config.json", "model.safetensors", "tokenizer.model");

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("paligemma-demo");
        try {
            Path checkpoint = Files.createDirectories(dir.resolve("checkpoint"));
            for (String f : CHECKPOINT_FILES) {
                copy(RESOURCE + "checkpoint/" + f, checkpoint.resolve(f));
            }
            Path image = copy(RESOURCE + "image.png", dir.resolve("image.png"));
            RgbImage picture = new ImageDecoder().read(image);
            System.out.println("paligemma-ffm demo: a tiny PaliGemma 2 checkpoint with RANDOM weights and a real "
                    + "SentencePiece tokenizer.");
            System.out.println("The answer below is noise; it shows the pipeline running: image " + picture.width() + "x"
                    + picture.height() + " → Pillow-exact resize → SigLIP → projector → Gemma 2 → tokens → text.");
            Options options = Options.defaults().withBackend(Backend.parse(backend.backend)).withThreads(backend.threads);
            try (PaliGemma model = PaliGemma.load(checkpoint, options)) {
                System.out.print("\ncaption en → ");
                Result r = model.generate(picture, "caption en",
                        io.paligemma.generate.GenerationConfig.greedy(24), text -> {
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
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Path copy(String resource, Path target) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the demo resource " + resource + " is missing from the jar");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
