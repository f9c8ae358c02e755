package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.paligemma.RandomCheckpoint;
import io.paligemma.paligemma.RandomTokenizer;
import io.paligemma.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Random-weight checkpoints of the presets, written once and reused: {@code <root>/presets/<preset>-<dtype>/},
 * with root = $PALIGEMMA_CACHE or ~/.cache/paligemma-ffm. A checkpoint is written under a temporary name
 * and renamed when complete, so an interrupted write is never mistaken for a finished one.
 */
public final class PresetCache {
    private final Path root;

    public PresetCache(Path root) {
        this.root = root;
    }

    /** $PALIGEMMA_CACHE, else ~/.cache/paligemma-ffm. */
    public static PresetCache standard() {
        String env = System.getenv("PALIGEMMA_CACHE");
        Path root = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "paligemma-ffm");
        return new PresetCache(root);
    }

    public Path directory(String preset, DType dtype) {
        return root.resolve("presets").resolve(RandomCheckpoint.presetName(preset) + "-" + dtype.name().toLowerCase(Locale.ROOT));
    }

    /** Whether a complete checkpoint is cached. */
    public boolean has(String preset, DType dtype) {
        return Files.isRegularFile(directory(preset, dtype).resolve("config.json"));
    }

    /** Bytes the weights of a preset take in a dtype. */
    public static long weightBytes(String preset, DType dtype) {
        try {
            Path tmp = Files.createTempFile("paligemma-preset", ".json");
            try {
                Files.writeString(tmp, RandomCheckpoint.presetConfig(preset));
                return RandomCheckpoint.totalBytes(PaliGemmaConfig.read(tmp), dtype);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The cached checkpoint, written first when missing (seed 1, as make-random). Progress counts MiB.
     * Fails before writing when the file system lacks the room.
     */
    public Path ensure(String preset, DType dtype, Progress progress) throws IOException {
        Path dir = directory(preset, dtype);
        if (has(preset, dtype)) {
            if (!Files.exists(dir.resolve("tokenizer.model"))) {
                // written before make-random added the synthetic tokenizer: complete it, so every command can use it
                RandomTokenizer.write(PaliGemmaConfig.read(dir), dir);
            }
            return dir;
        }
        String config = RandomCheckpoint.presetConfig(preset);
        long bytes = weightBytes(preset, dtype);
        Files.createDirectories(dir.getParent());
        long free = Files.getFileStore(dir.getParent()).getUsableSpace();
        if (free < bytes + (256L << 20)) {
            throw new IOException("writing the " + preset + " " + dtype + " checkpoint needs " + (bytes >> 20) + " MiB in "
                    + dir.getParent() + ", which has " + (free >> 20) + " MiB free (set PALIGEMMA_CACHE to another disk)");
        }
        Path tmp = dir.resolveSibling(dir.getFileName() + ".partial-" + ProcessHandle.current().pid());
        deleteTree(tmp);
        progress.begin("writing " + RandomCheckpoint.presetName(preset) + " " + dtype + " to " + dir, bytes >> 20);
        long[] reported = {0};
        try {
            RandomCheckpoint.write(config, dtype, tmp, 1, done -> {
                while (reported[0] < done >> 20) {
                    reported[0]++;
                    progress.step();
                }
            });
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        } finally {
            progress.end();
        }
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir);
        }
        return dir;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
