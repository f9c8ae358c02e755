package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.ops.Backend;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole bench once on the tiny fixture checkpoint (one repetition, one thread, small roofline): shapes of the output, no timings. */
class BenchTest {
    static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");
    static final int DECODE = 4;
    static BenchReport report;

    @BeforeAll
    static void runOnce() {
        var settings = new Bench.Settings(List.of(Backend.NATIVE, Backend.JAVA), 1, 0, 1, DECODE, null, null,
                new Roofline.Settings(8L << 20, 20, 1), false);
        report = Bench.run(List.of(new Bench.Target(TINY, "paligemma-tiny")), settings, Progress.NONE, m -> { });
    }

    /** Backends that ran: native always; java once it is available (else it is listed as skipped). */
    static List<String> ran() {
        return report.backendsOf("f32");
    }

    @Test
    void jsonHasTheDocumentedFieldsWithPositiveNumbers() throws Exception {
        JsonNode root = new ObjectMapper().readTree(report.toJson().toString());
        JsonNode m = root.get("machine");
        assertTrue(m.get("cores").asInt() >= 1);
        assertFalse(m.get("cpu_model").asText().isEmpty());
        assertEquals(3, m.get("load_average_start").size());
        assertEquals(3, m.get("load_average_end").size());
        assertEquals(1, m.get("threads").asInt());
        JsonNode rf = m.get("roofline");
        assertTrue(rf.get("java_fma_gflops").get("1").asDouble() > 0);
        assertTrue(rf.get("java_read_gbps").get("1").asDouble() > 0);
        assertTrue(rf.get("native_fma_gflops").get("1").asDouble() > 0);
        assertTrue(rf.get("native_read_gbps").get("1").asDouble() > 0);
        assertTrue(rf.get("peak_gflops").asDouble() > 0);
        assertTrue(rf.get("peak_gbps").asDouble() > 0);
        // the bf16 unit follows the CPU's own flags; VDPBF16PS and AMX both do more flops per cycle than FMA
        List<String> cpu = report.machine().cpuFlags();
        String unit = rf.get("bf16_unit").asText();
        switch (unit) {
            case "amx" -> assertTrue(cpu.contains("amx_bf16"), cpu.toString());
            case "avx512_bf16" -> assertTrue(cpu.contains("avx512_bf16"), cpu.toString());
            case "" -> assertFalse(cpu.contains("avx512_bf16"), "AVX512-BF16 present but no bf16 peak measured");
            default -> throw new AssertionError("unknown bf16 unit " + unit);
        }
        if (!unit.isEmpty()) {
            // a bf16 peak was measured (its size against the FMA peak is a benchmark's question: on a loaded
            // machine the two probes, run one after the other, compare either way)
            assertTrue(rf.get("native_bf16_gflops").get("1").asDouble() > 0, rf.toString());
        }
        // the int8 dot of the level in use, on every level (scalar too); in Gop/s
        String dot = rf.get("dot_i8_unit").asText();
        assertTrue(List.of("avx512_vnni", "avx512", "avx2", "scalar").contains(dot), dot);
        assertTrue(rf.get("native_dot_i8_gops").get("1").asDouble() > 0, rf.toString());
        assertEquals(rf.get("native_dot_i8_gops").get("1").asDouble(), rf.get("peak_dot_i8_gops").asDouble());
        assertTrue(report.rooflineSummary().contains("int8 dot (" + dot + ") native "), report.rooflineSummary());
        assertEquals(28, root.get("workload").get("prompt_tokens").asInt());
        assertEquals(DECODE, root.get("workload").get("decode_tokens").asInt());

        JsonNode runs = root.get("runs");
        assertEquals(ran().size() * Stage.values().length, runs.size());
        Set<String> seen = new HashSet<>();
        for (JsonNode r : runs) {
            String stage = r.get("stage").asText();
            seen.add(r.get("backend").asText() + "/" + stage);
            assertEquals("f32", r.get("weights").asText());
            for (String f : List.of("median_s", "min_s", "max_s")) {
                assertTrue(r.get(f).asDouble() > 0, stage + " " + f);
            }
            assertTrue(r.get("min_s").asDouble() <= r.get("median_s").asDouble());
            assertTrue(r.get("median_s").asDouble() <= r.get("max_s").asDouble());
            assertTrue(r.get("peak_rss_bytes").asLong() > 0);
            assertTrue(r.get("load_average_1m").asDouble() >= 0);
            assertTrue(r.get("other_cores").asDouble() >= 0);
            boolean rate = stage.equals("prefill") || stage.equals("decode");
            assertEquals(rate, r.get("tokens_per_s").isNumber(), stage + " tokens_per_s");
            if (rate) {
                assertTrue(r.get("tokens_per_s").asDouble() > 0);
            }
            boolean counted = !stage.equals("load") && !stage.equals("preprocess");
            assertEquals(counted, r.get("gflops").isNumber(), stage + " gflops");
            assertEquals(counted, r.get("gflops_fraction").isNumber(), stage + " gflops_fraction");
            assertTrue(r.get("gflops_fraction_of_bf16_peak").isNull(), "f32 weights have no bf16 fraction");
            assertTrue(r.get("gflops_fraction_of_dot_i8_peak").isNull(), "f32 weights have no int8 fraction");
            if (counted) {
                assertTrue(r.get("gflops").asDouble() > 0);
                assertTrue(r.get("gflops_fraction").asDouble() > 0);
            }
            assertEquals(stage.equals("decode"), r.get("gbps").isNumber(), stage + " gbps");
            assertEquals(stage.equals("decode"), r.get("read_now_gbps").isNumber(), stage + " read_now_gbps");
            assertEquals(stage.equals("decode"), r.get("heap_bytes_per_token").isNumber(), stage + " heap_bytes_per_token");
            if (stage.equals("decode")) {
                assertTrue(r.get("gbps").asDouble() > 0);
                assertTrue(r.get("gbps_fraction").asDouble() > 0);
                assertTrue(r.get("read_now_gbps").asDouble() > 0);
                assertEquals(r.get("gbps").asDouble() / r.get("read_now_gbps").asDouble(),
                        r.get("gbps_fraction_of_read_now").asDouble(), 1e-9);
            }
        }
        for (String b : ran()) {
            for (Stage s : Stage.values()) {
                assertTrue(seen.contains(b + "/" + s.id()), b + "/" + s.id());
            }
        }
        assertEquals(2, ran().size() + root.get("skipped").size(), "every asked backend either ran or was skipped");
    }

    @Test
    void ratesFollowFromTheFlopCountAndTheMedian() {
        PaliGemmaConfig c = PaliGemmaConfig.read(TINY);
        StageResult prefill = report.find("f32", "native", Stage.PREFILL);
        assertEquals(28 / prefill.stats().medianS(), prefill.tokensPerSecond(), 1e-9 * prefill.tokensPerSecond());
        assertEquals(FlopCount.prefill(c.textConfig(), 28) / prefill.stats().medianS() / 1e9, prefill.gflops(), 1e-12);
        StageResult decode = report.find("f32", "native", Stage.DECODE);
        assertEquals(FlopCount.decodeWeightBytes(c.textConfig(), 4.0) * DECODE / decode.stats().medianS() / 1e9, decode.gbps(),
                1e-12);
    }

    @Test
    void tableRendersEveryStage() {
        String table = report.table();
        assertTrue(table.contains("f32/native"), table);
        for (String label : List.of("load to ready", "image preprocess", "vision tower", "projector", "prefill",
                "time to first token", "decode", "peak RSS", "heap allocated per decode token", "load average at start",
                "other processes (cores)")) {
            assertTrue(table.contains(label), label + " in\n" + table);
        }
        assertTrue(table.contains("tok/s"), table);
        assertEquals(ran().contains("java"), table.contains("java/native"), table);
        String roof = report.rooflineTable();
        assertTrue(roof.contains("decode weight GB/s"), roof);
        assertTrue(roof.contains("%"), roof);
        assertTrue(report.rooflineSummary().contains("1 thread"), report.rooflineSummary());
    }

    @Test
    void chartIsAPng(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("bench.png");
        BenchChart.writePng(report, png);
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(1200, img.getWidth());
        assertEquals(700, img.getHeight());
    }

    @Test
    void jsonFileIsWritten(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("sub/out.json");
        report.writeJson(json);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertTrue(root.has("machine") && root.has("runs") && root.has("workload"));
    }
}
