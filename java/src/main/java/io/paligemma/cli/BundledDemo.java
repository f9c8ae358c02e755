package io.paligemma.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The small checkpoint bundled in the jar (random weights, the fixtures' Gemma-like SentencePiece
 * tokenizer, a sample picture), copied to a temporary directory that {@link #close()} removes. Public for
 * the Spark module (its tests and its job's {@code --model demo}).
 */
public final class BundledDemo implements AutoCloseable {
    public static final String LABEL = "bundled demo checkpoint: tiny PaliGemma 2, RANDOM weights (the text is noise)";
    private static final List<String> FILES = List.of("config.json", "generation_config.json",
            "preprocessor_config.json", "model.safetensors", "tokenizer.model");

    public final Path directory;
    public final Path checkpoint;
    public final Path image;

    public BundledDemo() throws IOException {
        directory = Files.createTempDirectory("paligemma-demo");
        checkpoint = Files.createDirectories(directory.resolve("checkpoint"));
        for (String f : FILES) {
            copy("/demo/checkpoint/" + f, checkpoint.resolve(f));
        }
        image = copy("/demo/image.png", directory.resolve("image.png"));
    }

    private static Path copy(String resource, Path target) throws IOException {
        try (InputStream in = BundledDemo.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the demo resource " + resource + " is missing from the jar");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
