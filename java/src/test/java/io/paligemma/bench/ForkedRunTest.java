package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.Backend;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ForkedRunTest {

    private static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");

    @Test
    void resultsSurviveTheTripThroughJson() throws Exception {
        List<StageResult> in = List.of(
                new StageResult("java", "bf16", Stage.DECODE, new Stats(0.5, 0.25, 0.75, 3), 32, 1.5e9, 2.5e9, 123456789L,
                        0.42, 0.01, 31.25, 4096.5),
                new StageResult("native", "f32", Stage.LOAD, new Stats(0.001, 0.001, 0.002, 2), 0, 0, 0, 7L,
                        Double.NaN, 0, Double.NaN, Double.NaN));
        List<StageResult> out = ForkedRun.read(ForkedRun.write(in));
        assertEquals(in, out); // records: NaN equals NaN through Double.compare
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aChildJvmRunsOneConfigurationAndReportsEveryStage() {
        List<StageResult> rs = ForkedRun.run(TINY, Backend.JAVA, 1, 2, null, 0, 1, 1L << 20);
        assertEquals(Stage.values().length, rs.size());
        for (StageResult r : rs) {
            assertEquals("java", r.backend());
            assertEquals("f32", r.weights());
            assertTrue(r.stats().medianS() > 0, r.stage() + " took no time");
            assertTrue(r.peakRssBytes() > 0);
        }
        StageResult decode = rs.stream().filter(r -> r.stage() == Stage.DECODE).findFirst().orElseThrow();
        assertEquals(2, decode.tokens());
        assertTrue(decode.readNowGbps() > 0, "read probe after the decode: " + decode.readNowGbps());
        // the callbacks themselves allocate, so even a garbage-free decode counts a little
        assertTrue(decode.heapBytesPerToken() > 0 && decode.heapBytesPerToken() < 64L << 20,
                "heap bytes per decode token: " + decode.heapBytesPerToken());
    }
}
