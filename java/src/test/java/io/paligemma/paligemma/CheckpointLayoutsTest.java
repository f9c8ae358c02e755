package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.conformance.CheckResult;
import io.paligemma.conformance.Conformance;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.safetensors.SafetensorsWriter;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other ways a checkpoint can be stored must give the same model: the 2025 key layout with a
 * separate lm_head, several shards with an index, and F16 weights (checked against the same values
 * stored as F32: the products are computed in float32 either way).
 */
class CheckpointLayoutsTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    /** Copies a fixture case, rewriting its checkpoint tensors with {@code rename} and {@code convert}. */
    private static Path rewrite(Path tmp, String name, UnaryOperator<String> rename, DType dtype, boolean shard,
                                boolean addHead) throws Exception {
        Path caseDir = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> files = Files.list(FIXTURES.resolve(name))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, caseDir.resolve(f.getFileName()));
            }
        }
        Path ckpt = Files.createDirectories(caseDir.resolve("checkpoint"));
        Path src = FIXTURES.resolve(name).resolve("checkpoint");
        for (String f : new String[] {"config.json", "generation_config.json", "preprocessor_config.json"}) {
            Files.copy(src.resolve(f), ckpt.resolve(f));
        }
        try (SafetensorsFile in = SafetensorsFile.open(src.resolve("model.safetensors")); Arena arena = Arena.ofConfined()) {
            Map<String, MemorySegment> data = new LinkedHashMap<>();
            List<TensorSpec> specs = new ArrayList<>();
            for (String key : in.names()) {
                Tensor t = in.tensor(key);
                MemorySegment d = convert(t.data(), dtype, arena);
                specs.add(new TensorSpec(rename.apply(key), dtype, t.shape()));
                data.put(rename.apply(key), d);
                if (addHead && key.endsWith("embed_tokens.weight")) {
                    specs.add(new TensorSpec("lm_head.weight", dtype, t.shape()));
                    data.put("lm_head.weight", d);
                }
            }
            int half = shard ? specs.size() / 2 : specs.size();
            List<List<TensorSpec>> parts = shard ? List.of(specs.subList(0, half), specs.subList(half, specs.size()))
                    : List.of(specs);
            StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
            for (int p = 0; p < parts.size(); p++) {
                String file = shard ? String.format("model-%05d-of-%05d.safetensors", p + 1, parts.size()) : "model.safetensors";
                try (SafetensorsWriter w = new SafetensorsWriter(ckpt.resolve(file), Map.of("format", "pt"), parts.get(p))) {
                    for (TensorSpec s : parts.get(p)) {
                        w.write(s.name(), data.get(s.name()));
                        index.append(index.charAt(index.length() - 1) == '{' ? "" : ", ")
                                .append('"').append(s.name()).append("\": \"").append(file).append('"');
                    }
                }
            }
            if (shard) {
                Files.writeString(ckpt.resolve("model.safetensors.index.json"), index.append("}}").toString());
            }
        }
        return tmp;
    }

    private static MemorySegment convert(MemorySegment f32, DType dtype, Arena arena) {
        long n = f32.byteSize() / 4;
        MemorySegment out = arena.allocate(n * dtype.size);
        for (long i = 0; i < n; i++) {
            float v = f32.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            switch (dtype) {
                case F32 -> out.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                case F16 -> out.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return out;
    }

    private static List<CheckResult> conformance(Path dir, Backend backend) {
        try (OpsProvider p = OpsProvider.open(backend, 1)) {
            return Conformance.run(dir, p.ops(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        }
    }

    private static String failures(List<CheckResult> results) {
        return results.stream().filter(r -> !r.passed()).map(CheckResult::toString).reduce("", (a, b) -> a + "\n" + b);
    }

    @Test
    void newKeyLayoutWithLmHeadAndShardsPassesConformance(@TempDir Path tmp) throws Exception {
        UnaryOperator<String> to2025 = k -> k.replaceFirst("^language_model\\.model\\.", "model.language_model.")
                .replaceFirst("^vision_tower\\.", "model.vision_tower.")
                .replaceFirst("^multi_modal_projector\\.", "model.multi_modal_projector.");
        Path dir = rewrite(tmp, "paligemma2-tiny", to2025, DType.F32, true, true);
        assertTrue(Files.exists(dir.resolve("paligemma2-tiny/checkpoint/model.safetensors.index.json")));
        for (Backend b : Backend.values()) {
            List<CheckResult> results = conformance(dir, b);
            assertTrue(results.size() > 15);
            assertEquals("", failures(results), b.id());
        }
    }

    /** F16 weights widened in the kernels give what the same values stored as F32 give, to float32 rounding. */
    @Test
    void f16WeightsMatchTheSameValuesInF32(@TempDir Path tmp) throws Exception {
        Path f16 = rewrite(tmp.resolve("f16"), "paligemma-tiny", k -> k, DType.F16, false, false);
        Path f32 = tmp.resolve("f32");
        Files.createDirectories(f32);
        // the F32 twin holds the F16-rounded values
        Path twin = rewrite(f32, "paligemma-tiny", k -> k, DType.F32, false, false);
        Path twinModel = twin.resolve("paligemma-tiny/checkpoint/model.safetensors");
        Files.delete(twinModel);
        try (SafetensorsFile in = SafetensorsFile.open(f16.resolve("paligemma-tiny/checkpoint/model.safetensors"));
             Arena arena = Arena.ofConfined()) {
            List<TensorSpec> specs = new ArrayList<>();
            for (String key : in.names()) {
                specs.add(new TensorSpec(key, DType.F32, in.tensor(key).shape()));
            }
            try (SafetensorsWriter w = new SafetensorsWriter(twinModel, Map.of("format", "pt"), specs)) {
                for (String key : in.names()) {
                    MemorySegment h = in.tensor(key).data();
                    long n = h.byteSize() / 2;
                    MemorySegment out = arena.allocate(n * 4);
                    for (long i = 0; i < n; i++) {
                        out.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.float16ToFloat(h.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
                    }
                    w.write(key, out);
                }
            }
        }
        for (Backend b : Backend.values()) {
            try (OpsProvider p = OpsProvider.open(b, 1);
                 var m16 = PaliGemmaForConditionalGeneration.load(f16.resolve("paligemma-tiny/checkpoint"), p.ops());
                 var m32 = PaliGemmaForConditionalGeneration.load(twin.resolve("paligemma-tiny/checkpoint"), p.ops())) {
                float[] a = PrefillProbe.logits(m16, FIXTURES.resolve("paligemma-tiny"));
                float[] e = PrefillProbe.logits(m32, FIXTURES.resolve("paligemma-tiny"));
                double max = 0;
                double err = 0;
                for (int i = 0; i < e.length; i++) {
                    max = Math.max(max, Math.abs(e[i]));
                    err = Math.max(err, Math.abs(a[i] - e[i]));
                }
                assertTrue(err <= 1e-5 * Math.max(1, max), b.id() + ": F16 vs F32 twin differ by " + err);
            }
        }
    }
}
