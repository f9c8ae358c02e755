package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bf16 peak in the report: its JSON fields, the per-run fraction and the table row, on made-up figures. */
class BenchReportTest {

    private static final Roofline ROOFLINE = new Roofline(List.of(1, 2), Map.of(1, 100.0, 2, 200.0),
            Map.of(1, 20.0, 2, 30.0), Map.of(1, 100.0, 2, 200.0), Map.of(1, 20.0, 2, 30.0), "avx512_bf16",
            Map.of(1, 200.0, 2, 400.0), 0.0);

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
                ROOFLINE.nativeFmaGflops(), ROOFLINE.nativeReadGbps(), "", Map.of(), 0.0);
        BenchReport r = report(none);
        assertTrue(Double.isNaN(r.bf16PeakFraction(r.find("bf16", "native", Stage.VISION))));
        assertTrue(r.rooflineTable().lines().noneMatch(l -> l.contains("bf16 peak")));
        JsonNode rf = new ObjectMapper().readTree(r.toJson().toString()).get("machine").get("roofline");
        assertTrue(rf.get("native_bf16_gflops").isNull());
        assertTrue(rf.get("peak_bf16_gflops").isNull());
        assertEquals("", rf.get("bf16_unit").asText());
    }
}
