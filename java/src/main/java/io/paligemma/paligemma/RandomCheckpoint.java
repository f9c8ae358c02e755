package io.paligemma.paligemma;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.nn.Weights;
import io.paligemma.safetensors.SafetensorsWriter;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes a Hugging Face PaliGemma checkpoint with random weights of a preset's real shapes (for
 * benchmarks and memory tests): config.json, preprocessor_config.json, generation_config.json, a synthetic
 * tokenizer ({@link RandomTokenizer}) and model.safetensors (sharded with an index above {@link #SHARD_BYTES}),
 * so every command can load it. The tensor list comes from building the model on a recording {@link Weights},
 * so the keys exist in one place only: the modules.
 */
public final class RandomCheckpoint {
    /** Shard size: HF splits large checkpoints too; 4 GiB keeps each shard's offsets comfortably in range. */
    static final long SHARD_BYTES = 4L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RandomCheckpoint() {
    }

    /** The preset names bundled as resources (published configs of google/paligemma*). */
    public static List<String> presets() {
        return List.of("paligemma-3b-pt-224", "paligemma-3b-pt-448", "paligemma-3b-pt-896",
                "paligemma2-3b-pt-224", "paligemma2-3b-pt-448", "paligemma2-3b-pt-896",
                "paligemma2-10b-pt-224", "paligemma2-10b-pt-448", "paligemma2-10b-pt-896",
                "paligemma2-28b-pt-224", "paligemma2-28b-pt-448", "paligemma2-28b-pt-896");
    }

    /** The full name of a preset: short forms such as {@code paligemma-3b-224} gain their {@code -pt-}. */
    public static String presetName(String preset) {
        return preset.contains("-pt-") ? preset : preset.replaceFirst("-(\\d+)$", "-pt-$1");
    }

    /** The config.json text of a preset; accepts short forms such as {@code paligemma-3b-224}. */
    public static String presetConfig(String preset) {
        String name = presetName(preset);
        try (InputStream in = RandomCheckpoint.class.getResourceAsStream("/presets/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("unknown preset '" + preset + "'; presets: " + String.join(", ", presets()));
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tensors of a model with this config, in module order, in checkpoint layout. */
    public static List<TensorSpec> tensorSpecs(PaliGemmaConfig config) {
        try (Weights recorder = Weights.recorder()) {
            new PaliGemmaForConditionalGeneration(config, recorder, null); // builds views only: ops are never called
            return recorder.recordedSpecs();
        }
    }

    /**
     * Writes the checkpoint, tokenizer included, into {@code dir}.
     *
     * @param dtype F32, BF16 or F16 for every tensor
     * @param progress receives bytes written so far
     * @throws IllegalArgumentException when the config's image_token_index leaves no room for the synthetic
     *         tokenizer's layout ({@link RandomTokenizer#layout}); config.json is removed again then
     */
    public static void write(String configJson, DType dtype, Path dir, long seed, LongConsumer progress) throws IOException {
        write(configJson, dtype, dir, seed, progress, true);
    }

    /** {@link #write} without a tokenizer, for callers that bring their own (the bundled demo). */
    public static void writeWithoutTokenizer(String configJson, DType dtype, Path dir, long seed, LongConsumer progress)
            throws IOException {
        write(configJson, dtype, dir, seed, progress, false);
    }

    private static void write(String configJson, DType dtype, Path dir, long seed, LongConsumer progress,
                              boolean tokenizer) throws IOException {
        if (!dtype.isWeightFloat()) {
            throw new IllegalArgumentException("weights dtype must be F32, BF16 or F16, not " + dtype);
        }
        Files.createDirectories(dir);
        ObjectNode cfgNode = (ObjectNode) JSON.readTree(configJson);
        String torchDtype = switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
        cfgNode.put("torch_dtype", torchDtype);
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfgNode));
        PaliGemmaConfig config = PaliGemmaConfig.read(dir);
        if (tokenizer) {
            try {
                RandomTokenizer.layout(config.textConfig().vocabSize(), config.imageTokenIndex());
            } catch (IllegalArgumentException e) {
                Files.delete(dir.resolve("config.json"));
                throw new IllegalArgumentException("config.json: " + e.getMessage(), e);
            }
            RandomTokenizer.write(config, dir);
        }
        writeProcessorConfigs(config, dir);

        List<TensorSpec> specs = new ArrayList<>();
        for (TensorSpec s : tensorSpecs(config)) {
            specs.add(new TensorSpec(s.name(), dtype, s.shape()));
        }
        List<List<TensorSpec>> shards = shard(specs);
        long maxBytes = specs.stream().mapToLong(RandomCheckpoint::bytes).max().orElse(0);
        Map<String, String> weightMap = new LinkedHashMap<>();
        long done = 0;
        long state = seed * 0x9E3779B97F4A7C15L + 1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(8, maxBytes), 64);
            for (int s = 0; s < shards.size(); s++) {
                String file = shards.size() == 1 ? "model.safetensors"
                        : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                try (SafetensorsWriter writer = new SafetensorsWriter(dir.resolve(file), Map.of("format", "pt"), shards.get(s))) {
                    for (TensorSpec spec : shards.get(s)) {
                        MemorySegment data = buffer.asSlice(0, bytes(spec));
                        state = fill(spec, data, state);
                        writer.write(spec.name(), data);
                        weightMap.put(spec.name(), file);
                        done += data.byteSize();
                        progress.accept(done);
                    }
                }
            }
        }
        if (shards.size() > 1) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", done);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Files.writeString(dir.resolve("model.safetensors.index.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
        }
    }

    /** Total bytes of a config's weights in the given dtype. */
    public static long totalBytes(PaliGemmaConfig config, DType dtype) {
        return tensorSpecs(config).stream().mapToLong(s -> bytes(s) / 4 * dtype.size).sum();
    }

    private static long bytes(TensorSpec s) {
        long n = s.dtype().size;
        for (long d : s.shape()) {
            n *= d;
        }
        return n;
    }

    private static List<List<TensorSpec>> shard(List<TensorSpec> specs) {
        List<List<TensorSpec>> shards = new ArrayList<>();
        List<TensorSpec> current = new ArrayList<>();
        long size = 0;
        for (TensorSpec s : specs) {
            if (!current.isEmpty() && size + bytes(s) > SHARD_BYTES) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(s);
            size += bytes(s);
        }
        shards.add(current);
        return shards;
    }

    /**
     * Uniform noise with the variance that keeps activations in range: std 1/sqrt(fan_in) for matrices,
     * 0.02 for embedding tables, small values around 0 for norm weights (used as 1 + w) and biases.
     */
    private static long fill(TensorSpec spec, MemorySegment data, long state) {
        long[] shape = spec.shape();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        double std;
        if (spec.name().endsWith("embed_tokens.weight") || spec.name().endsWith("position_embedding.weight")) {
            std = 0.02;
        } else if (shape.length >= 2) {
            std = 1.0 / Math.sqrt((double) count / shape[0]);
        } else {
            std = 0.01;
        }
        float amplitude = (float) (std * Math.sqrt(3));
        for (long i = 0; i < count; i++) {
            state ^= state << 13;                       // xorshift64: fast, and the same bytes for the same seed
            state ^= state >>> 7;
            state ^= state << 17;
            float u = ((state >>> 40) * 0x1.0p-24f) * 2f - 1f;
            float v = u * amplitude;
            switch (spec.dtype()) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT, i, toBf16(v));
                default -> data.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
            }
        }
        return state;
    }

    /** float32 → bfloat16 with round-to-nearest-even, as torch's .to(torch.bfloat16). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void writeProcessorConfigs(PaliGemmaConfig config, Path dir) throws IOException {
        int size = config.visionConfig().imageSize();
        ObjectNode p = JSON.createObjectNode();
        p.put("do_normalize", true).put("do_rescale", true).put("do_resize", true);
        p.putArray("image_mean").add(0.5).add(0.5).add(0.5);
        p.putArray("image_std").add(0.5).add(0.5).add(0.5);
        p.put("image_processor_type", "SiglipImageProcessor").put("image_seq_length", config.numImageTokens());
        p.put("processor_class", "PaliGemmaProcessor").put("resample", 3).put("rescale_factor", 1 / 255.0);
        p.putObject("size").put("height", size).put("width", size);
        Files.writeString(dir.resolve("preprocessor_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(p));
        ObjectNode g = JSON.createObjectNode();
        g.put("bos_token_id", config.bosTokenId()).put("eos_token_id", config.eosTokenId()).put("pad_token_id", config.padTokenId());
        Files.writeString(dir.resolve("generation_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(g));
    }
}
