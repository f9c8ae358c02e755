package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.nn.Quantization;
import io.paligemma.nn.Weights;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.paligemma.QuantizedCheckpoint;
import io.paligemma.paligemma.RandomCheckpoint;
import io.paligemma.paligemma.RandomTokenizer;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Random-weight checkpoints of the presets, written once and reused: {@code <root>/presets/<preset>-<dtype>/},
 * with root = $PALIGEMMA_CACHE or ~/.cache/paligemma-ffm. A checkpoint is written under a temporary name
 * and renamed when complete, so an interrupted write is never mistaken for a finished one. The int8
 * ({@link DType#Q8_0}) checkpoint of a preset, {@code <preset>-q8_0/}, is the bf16 one (written first when
 * missing, and kept) quantized as {@code paligemma quantize} does it ({@link QuantizedCheckpoint},
 * {@link Quantization#INT8}: the language model's matrices int8, everything else bf16).
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

    /**
     * Bytes the weights of a preset take in a dtype: exactly the tensor data of its model.safetensors
     * (headers, config and tokenizer files not counted). For {@link DType#Q8_0}, the int8 checkpoint's:
     * the language model's matrices at 1 byte per weight plus an F16 scale per block of 32 (1 + 2/32 bytes
     * per weight), every other tensor in bf16, as {@link QuantizedCheckpoint} writes them from the bf16
     * preset. It leaves out the bf16 preset the int8 one is made from ({@link #ensure} counts that too when
     * it is not cached yet).
     */
    public static long weightBytes(String preset, DType dtype) {
        return weightBytes(parse(RandomCheckpoint.presetConfig(preset)), dtype);
    }

    /** {@link #weightBytes(String, DType)} of a config. */
    static long weightBytes(PaliGemmaConfig config, DType dtype) {
        if (dtype != DType.Q8_0) {
            return RandomCheckpoint.totalBytes(config, dtype);
        }
        try (Weights recorder = Weights.recorder()) {
            new PaliGemmaForConditionalGeneration(config, recorder, null); // records every tensor: views only
            Map<String, String> matrices = recorder.matrixKeys();
            long total = 0;
            for (TensorSpec s : recorder.recordedSpecs()) {
                long elements = 1;
                for (long d : s.shape()) {
                    elements *= d;
                }
                String key = matrices.get(s.name());
                if (key != null && Quantization.INT8.selects(key)) {
                    long rows = s.shape()[0];
                    total += elements + rows * Q8.blocks(elements / rows) * DType.F16.size;
                } else {
                    total += elements * DType.BF16.size;
                }
            }
            return total;
        }
    }

    /**
     * The cached checkpoint, written first when missing (seed 1, as make-random). Progress counts MiB.
     * Fails before writing when the file system lacks the room. {@link DType#Q8_0} writes (or reuses) the
     * bf16 checkpoint, then its int8 copy ({@link QuantizedCheckpoint}).
     */
    public Path ensure(String preset, DType dtype, Progress progress) throws IOException {
        return ensure(preset, RandomCheckpoint.presetConfig(preset), dtype, progress);
    }

    /** {@link #ensure} of a model shape given by its config.json text, cached under {@code preset}. */
    Path ensure(String preset, String config, DType dtype, Progress progress) throws IOException {
        Path dir = directory(preset, dtype);
        if (has(preset, dtype)) {
            if (!Files.exists(dir.resolve("tokenizer.model"))) {
                // written before make-random added the synthetic tokenizer: complete it, so every command can use it
                RandomTokenizer.write(PaliGemmaConfig.read(dir), dir);
            }
            return dir;
        }
        PaliGemmaConfig shape = parse(config);
        long bytes = weightBytes(shape, dtype);
        Files.createDirectories(dir.getParent());
        // int8 is quantized from the bf16 checkpoint: room for that one too when it has to be written first
        long needed = bytes + (dtype == DType.Q8_0 && !has(preset, DType.BF16) ? weightBytes(shape, DType.BF16) : 0);
        long free = Files.getFileStore(dir.getParent()).getUsableSpace();
        if (free < needed + (256L << 20)) {
            throw new IOException("writing the " + preset + " " + dtype + " checkpoint needs " + (needed >> 20) + " MiB in "
                    + dir.getParent() + ", which has " + (free >> 20) + " MiB free (set PALIGEMMA_CACHE to another disk)");
        }
        Path bf16 = dtype == DType.Q8_0 ? ensure(preset, config, DType.BF16, progress) : null;
        Path tmp = dir.resolveSibling(dir.getFileName() + ".partial-" + ProcessHandle.current().pid());
        deleteTree(tmp);
        String name = RandomCheckpoint.presetName(preset);
        progress.begin((bf16 != null ? "quantizing " + name + " bf16 to int8 in " : "writing " + name + " " + dtype + " to ")
                + dir, bytes >> 20);
        long[] reported = {0};
        LongConsumer mib = done -> {
            while (reported[0] < done >> 20) {
                reported[0]++;
                progress.step();
            }
        };
        try {
            if (bf16 != null) {
                QuantizedCheckpoint.write(bf16, tmp, Quantization.INT8, mib);
            } else {
                RandomCheckpoint.write(config, dtype, tmp, 1, mib);
            }
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

    /** The config of config.json text (PaliGemmaConfig reads files). */
    private static PaliGemmaConfig parse(String json) {
        try {
            Path tmp = Files.createTempFile("paligemma-preset", ".json");
            try {
                Files.writeString(tmp, json);
                return PaliGemmaConfig.read(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
