package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bf16 and int8 dot peaks in the report: their JSON fields, the per-run fractions and the table rows, on
 * made-up figures.
 */
class BenchReportTest {

    private static final Roofline ROOFLINE = new Roofline(List.of(1, 2), Map.of(1, 100.0, 2, 200.0),
            Map.of(1, 20.0, 2, 30.0), Map.of(1, 100.0, 2, 200.0), Map.of(1, 20.0, 2, 30.0), "avx512_bf16",
            Map.of(1, 200.0, 2, 400.0), "avx512_vnni", Map.of(1, 800.0, 2, 1600.0), 0.0);

    /** bf16 vision at 200 GFLOP/s and prefill at 100, f32 the same: halves and quarters of the 400 GFLOP/s peak. */
    private static BenchReport report(Roofline roofline) {
        List<StageResult> runs = new ArrayList<>();
        for (String weights : List.of("f32", "bf16")) {
            for (Stage s : Stage.values()) {
                double flops = switch (s) {
                    case VISION -> 400e9;  // over 2 s: 200 GFLOP/s
                    case PREFILL -> 200e9; // 100 GFLOP/s
                    default -> 0;
                };
                double bytes = s == Stage.DECODE ? 30e9 : 0;
                runs.add(new StageResult("native", weights, s, new Stats(2, 1.9, 2.1, 3), 0, flops, bytes, 1L << 30, 0.5,
                        0.0, 25.0, s == Stage.DECODE ? 3 * 1024 : Double.NaN));
            }
        }
        return report(roofline, runs);
    }

    /** A 2-thread report of these runs on a made-up machine. */
    private static BenchReport report(Roofline roofline, List<StageResult> runs) {
        var setup = new BenchReport.Setup("made-up", 268, 256, 32, 1, 3, 640, 480);
        return new BenchReport(new MachineInfo("cpu", 2, List.of(), 1L << 34, "25", "linux"), 2,
                new double[] {0, 0, 0}, new double[] {0, 0, 0}, roofline, setup, runs, List.of());
    }

    @Test
    void bf16RunsGetTheirFractionOfTheBf16PeakAndF32RunsNone() throws Exception {
        BenchReport r = report(ROOFLINE);
        assertEquals(0.5, r.bf16PeakFraction(r.find("bf16", "native", Stage.VISION)), 1e-12);
        assertEquals(0.25, r.bf16PeakFraction(r.find("bf16", "native", Stage.PREFILL)), 1e-12);
        assertTrue(Double.isNaN(r.bf16PeakFraction(r.find("f32", "native", Stage.VISION))));
        assertTrue(Double.isNaN(r.bf16PeakFraction(r.find("bf16", "native", Stage.LOAD))));

        JsonNode root = new ObjectMapper().readTree(r.toJson().toString());
        JsonNode rf = root.get("machine").get("roofline");
        assertEquals("avx512_bf16", rf.get("bf16_unit").asText());
        assertEquals(400.0, rf.get("native_bf16_gflops").get("2").asDouble());
        assertEquals(400.0, rf.get("peak_bf16_gflops").asDouble());
        int checked = 0;
        for (JsonNode run : root.get("runs")) {
            JsonNode f = run.get("gflops_fraction_of_bf16_peak");
            if (run.get("weights").asText().equals("bf16") && run.get("stage").asText().equals("vision")) {
                assertEquals(0.5, f.asDouble(), 1e-12);
                checked++;
            } else if (run.get("weights").asText().equals("f32")) {
                assertTrue(f.isNull(), run.toString());
                checked++;
            }
        }
        assertEquals(1 + Stage.values().length, checked);

        String heapRow = r.table().lines().filter(l -> l.startsWith("heap allocated per decode token")).findFirst()
                .orElseThrow(() -> new AssertionError(r.table()));
        assertTrue(heapRow.matches("heap allocated per decode token\\s+3\\.0 KiB\\s+3\\.0 KiB\\s*"), heapRow);
        assertEquals(3 * 1024.0, new ObjectMapper().readTree(r.toJson().toString()).get("runs").get(Stage.DECODE.ordinal())
                .get("heap_bytes_per_token").asDouble());

        String table = r.rooflineTable();
        String row = table.lines().filter(l -> l.startsWith("vision / prefill, of the avx512_bf16 peak")).findFirst()
                .orElseThrow(() -> new AssertionError(table));
        assertTrue(row.matches(".*\\s-\\s+50 % / 25 %\\s*"), row);
        assertTrue(r.rooflineSummary().contains("2 threads: FMA f32 java 200 GFLOP/s, native 200; bf16 (avx512_bf16) native 400"),
                r.rooflineSummary());
        assertTrue(table.lines().noneMatch(l -> l.contains("int8 dot peak")), "no int8 runs, no int8 row:\n" + table);
    }

    /**
     * An int8 run beside f32 and bf16: its label in the table headers, its decode GFLOP/s over the int8 dot
     * peak (decode only; its prefill keeps the FMA fraction), the peak in the summary and in the JSON.
     */
    @Test
    void int8RunsGetTheirPrefillAndDecodeFractionsOfTheInt8DotPeak() throws Exception {
        List<StageResult> runs = new ArrayList<>();
        for (String weights : List.of("f32", "bf16", "int8")) {
            for (Stage s : Stage.values()) {
                double flops = switch (s) {
                    case PREFILL -> 200e9; // over 2 s: 100 GFLOP/s
                    case DECODE -> 400e9;  // 200 GFLOP/s: an eighth of the 1600 Gop/s int8 peak
                    default -> 0;
                };
                double bytes = s == Stage.DECODE ? 30e9 : 0;
                runs.add(new StageResult("native", weights, s, new Stats(2, 1.9, 2.1, 3), 0, flops, bytes, 1L << 30, 0.5,
                        0.0, 25.0, s == Stage.DECODE ? 0 : Double.NaN));
            }
        }
        BenchReport r = report(ROOFLINE, runs);
        assertEquals(List.of("f32", "bf16", "int8"), r.weightsOrder());
        assertEquals(0.125, r.dotI8PeakFraction(r.find("int8", "native", Stage.DECODE)), 1e-12);
        // prefill: 100 GFLOP/s of the 1600 Gop/s peak (int8 prefill runs the integer units too)
        assertEquals(0.0625, r.dotI8PeakFraction(r.find("int8", "native", Stage.PREFILL)), 1e-12);
        assertTrue(Double.isNaN(r.dotI8PeakFraction(r.find("int8", "native", Stage.VISION))), "vision stays in its own precision");
        assertTrue(Double.isNaN(r.dotI8PeakFraction(r.find("bf16", "native", Stage.DECODE))));
        assertEquals(0.5, r.flopFraction(r.find("int8", "native", Stage.PREFILL)), 1e-12);

        assertTrue(r.table().lines().findFirst().orElseThrow().matches(".*f32/native\\s+bf16/native\\s+int8/native\\s*"),
                r.table());
        String table = r.rooflineTable();
        assertTrue(table.lines().findFirst().orElseThrow().matches(".*f32/native\\s+bf16/native\\s+int8/native\\s*"), table);
        String row = table.lines().filter(l -> l.startsWith("prefill / decode, of the int8 dot peak")).findFirst()
                .orElseThrow(() -> new AssertionError(table));
        assertTrue(row.matches("prefill / decode, of the int8 dot peak\\s+-\\s+-\\s+6 % / 13 %\\s*"), row);
        assertTrue(r.rooflineSummary().contains("; int8 dot (avx512_vnni) native 1600 Gop/s"), r.rooflineSummary());
        assertTrue(r.rooflineSummary().contains("1 thread : FMA f32 java 100 GFLOP/s, native 100; bf16 (avx512_bf16) native "
                + "200; int8 dot (avx512_vnni) native 800 Gop/s"), r.rooflineSummary());

        JsonNode root = new ObjectMapper().readTree(r.toJson().toString());
        JsonNode rf = root.get("machine").get("roofline");
        assertEquals("avx512_vnni", rf.get("dot_i8_unit").asText());
        assertEquals(800.0, rf.get("native_dot_i8_gops").get("1").asDouble());
        assertEquals(1600.0, rf.get("native_dot_i8_gops").get("2").asDouble());
        assertEquals(1600.0, rf.get("peak_dot_i8_gops").asDouble());
        // read back: the same figures as the roofline that wrote them
        assertEquals(ROOFLINE.nativeDotI8Gops(), readMap(rf.get("native_dot_i8_gops")));
        assertEquals(ROOFLINE.nativeBf16Gflops(), readMap(rf.get("native_bf16_gflops")));
        int checked = 0;
        for (JsonNode run : root.get("runs")) {
            JsonNode f = run.get("gflops_fraction_of_dot_i8_peak");
            boolean int8 = run.get("weights").asText().equals("int8");
            if (int8 && run.get("stage").asText().equals("decode")) {
                assertEquals(0.125, f.asDouble(), 1e-12);
                checked++;
            } else if (int8 && run.get("stage").asText().equals("prefill")) {
                assertEquals(0.0625, f.asDouble(), 1e-12);
                checked++;
            } else {
                assertTrue(f.isNull(), run.toString());
            }
        }
        assertEquals(2, checked);
    }

    /** Roofline.NONE renders and writes: no peaks, null maps, empty unit names. */
    @Test
    void noRooflineWritesNullPeaks() throws Exception {
        BenchReport r = report(Roofline.NONE);
        assertEquals("roofline: not measured\n", r.rooflineSummary());
        assertTrue(Double.isNaN(r.dotI8PeakFraction(r.find("bf16", "native", Stage.DECODE))));
        JsonNode rf = new ObjectMapper().readTree(r.toJson().toString()).get("machine").get("roofline");
        assertEquals("", rf.get("dot_i8_unit").asText());
        assertTrue(rf.get("native_dot_i8_gops").isNull());
        assertTrue(rf.get("peak_dot_i8_gops").isNull());
        assertTrue(rf.get("peak_gflops").isNull());
        assertTrue(r.rooflineTable().lines().noneMatch(l -> l.contains("peak")), r.rooflineTable());
    }

    /** A {thread count: figure} object of the JSON as the map it came from. */
    private static Map<Integer, Double> readMap(JsonNode n) {
        Map<Integer, Double> m = new java.util.TreeMap<>();
        n.properties().forEach(e -> m.put(Integer.parseInt(e.getKey()), e.getValue().asDouble()));
        return m;
    }

    @Test
    void decodeRatioAtEqualBandwidthDividesEachBackendByItsOwnProbe() {
        List<StageResult> runs = new ArrayList<>();
        // java decodes in 4 s at a probe of 20 GB/s, native in 2 s at 40 GB/s: 0.5x in tokens/s, 1.0x per bandwidth
        runs.add(new StageResult("native", "bf16", Stage.DECODE, new Stats(2, 2, 2, 1), 32, 1e9, 60e9, 1, 0, 0, 40.0, 0));
        runs.add(new StageResult("java", "bf16", Stage.DECODE, new Stats(4, 4, 4, 1), 32, 1e9, 60e9, 1, 0, 0, 20.0, 0));
        BenchReport r = report(ROOFLINE, runs);
        assertEquals(2.0, r.javaOverNative("bf16", Stage.DECODE), 1e-12);
        assertEquals(1.0, r.decodeJavaOverNativeAtEqualBandwidth("bf16"), 1e-12);
        assertTrue(Double.isNaN(r.decodeJavaOverNativeAtEqualBandwidth("f32")));
    }

    @Test
    void withoutABf16UnitThereIsNoBf16RowAndNullFields() throws Exception {
        Roofline none = new Roofline(ROOFLINE.threads(), ROOFLINE.javaFmaGflops(), ROOFLINE.javaReadGbps(),
                ROOFLINE.nativeFmaGflops(), ROOFLINE.nativeReadGbps(), "", Map.of(), ROOFLINE.dotI8Path(),
                ROOFLINE.nativeDotI8Gops(), 0.0);
        BenchReport r = report(none);
        assertTrue(Double.isNaN(r.bf16PeakFraction(r.find("bf16", "native", Stage.VISION))));
        assertTrue(r.rooflineTable().lines().noneMatch(l -> l.contains("bf16 peak")));
        JsonNode rf = new ObjectMapper().readTree(r.toJson().toString()).get("machine").get("roofline");
        assertTrue(rf.get("native_bf16_gflops").isNull());
        assertTrue(rf.get("peak_bf16_gflops").isNull());
        assertEquals("", rf.get("bf16_unit").asText());
    }
}
