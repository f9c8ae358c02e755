package io.paligemma.paligemma;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.nn.Quantization;
import io.paligemma.nn.Weights;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.safetensors.SafetensorsWriter;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Writes an int8 copy of a checkpoint ({@code paligemma quantize}) that loads by mmap with no
 * conversion. Format: one {@code model.safetensors} in which every matrix the {@link Quantization}
 * selects is stored as an I8 tensor [rows, cols] under its own name plus an F16 tensor
 * {@code <name>.q8_scale} [rows, ceil(cols / 32)] ({@link Q8}); every other tensor is copied as stored.
 * The header's {@code __metadata__} says {@code "paligemma_ffm.quantization": "q8_0"},
 * {@code "paligemma_ffm.q8_block": "32"} and which parts were quantized; the other files of the
 * directory (config.json, the tokenizer, preprocessor_config.json, ...) are copied. Matrices are
 * quantized one at a time, so memory stays at one matrix whatever the model's size.
 */
public final class QuantizedCheckpoint {

    private QuantizedCheckpoint() {
    }

    /** Writes the int8 checkpoint of {@code source} to the new directory {@code out}; returns its tensor count. */
    public static int write(Path source, Path out, Quantization quantization, LongConsumer bytesWritten) {
        if (!quantization.int8()) {
            throw new IllegalArgumentException("quantize writes int8 weights: the quantization must select int8");
        }
        if (Files.exists(out.resolve("config.json"))) {
            throw new IllegalArgumentException(out + " already holds a checkpoint; choose another --out");
        }
        PaliGemmaConfig config = PaliGemmaConfig.read(source);
        try (Weights weights = new Weights(Checkpoint.open(source))) {
            new PaliGemmaForConditionalGeneration(config, weights, null); // asks for every tensor: views only, ops unused
            Map<String, String> matrices = weights.matrixKeys();
            Checkpoint checkpoint = weights.checkpoint();
            Map<String, Boolean> quantize = new LinkedHashMap<>();
            List<TensorSpec> specs = new ArrayList<>();
            for (String name : checkpoint.names()) {
                Tensor t = checkpoint.tensor(name);
                boolean q = matrices.containsKey(name) && t.dtype().isWeightFloat() && quantization.selects(matrices.get(name));
                quantize.put(name, q);
                if (q) {
                    long rows = t.dim(0);
                    long cols = t.elementCount() / rows;
                    specs.add(new TensorSpec(name, DType.I8, new long[] {rows, cols}));
                    specs.add(new TensorSpec(name + Weights.Q8_SCALE_SUFFIX, DType.F16, new long[] {rows, Q8.blocks(cols)}));
                } else {
                    specs.add(new TensorSpec(name, t.dtype(), t.shape()));
                }
            }
            Files.createDirectories(out);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("format", "pt");
            metadata.put("paligemma_ffm.quantization", "q8_0");
            metadata.put("paligemma_ffm.q8_block", Integer.toString(Q8.BLOCK));
            metadata.put("paligemma_ffm.quantized", quantization.vision() ? "language_model, vision_tower, multi_modal_projector"
                    : "language_model");
            long written = 0;
            try (SafetensorsWriter writer = new SafetensorsWriter(out.resolve("model.safetensors"), metadata, specs)) {
                for (Map.Entry<String, Boolean> e : quantize.entrySet()) {
                    Tensor t = checkpoint.tensor(e.getKey());
                    if (e.getValue()) {
                        long rows = t.dim(0);
                        Tensor matrix = new Tensor(t.name(), t.dtype(), new long[] {rows, t.elementCount() / rows}, t.data());
                        try (Arena arena = Arena.ofShared()) { // shared: Weights.quantize fills the rows in parallel
                            Tensor q = Weights.quantize(matrix, arena);
                            writer.write(e.getKey(), q.data());
                            writer.write(e.getKey() + Weights.Q8_SCALE_SUFFIX, q.scales());
                            written += q.data().byteSize() + q.scales().byteSize();
                        }
                    } else {
                        writer.write(e.getKey(), t.data());
                        written += t.data().byteSize();
                    }
                    bytesWritten.accept(written);
                }
            }
            copyOtherFiles(source, out);
            return specs.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything of the source directory but its safetensors (and their shard index). */
    private static void copyOtherFiles(Path source, Path out) throws IOException {
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String n = f.getFileName().toString();
                if (!n.endsWith(".safetensors") && !n.equals("model.safetensors.index.json")) {
                    Files.copy(f, out.resolve(n));
                }
            }
        }
    }
}
