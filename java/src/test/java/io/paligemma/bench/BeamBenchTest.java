package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.Backend;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The beam-cost bench on the tiny fixture: one row per beam count over every round, refused counts. */
class BeamBenchTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyBeamCountRunsItsStepsInEveryRound(Backend backend) {
        List<BeamBench.Row> rows = BeamBench.run(BenchTest.TINY, backend, 1, List.of(1, 3), 4, 2, m -> { });
        assertEquals(List.of(1, 3), rows.stream().map(BeamBench.Row::beams).toList());
        for (BeamBench.Row r : rows) {
            assertEquals(8, r.steps());
            assertTrue(r.bestSeconds() > 0 && r.bestSeconds() <= r.medianSeconds(), r.toString());
        }
        String table = BeamBench.table(rows);
        assertTrue(table.contains("vs greedy") && table.contains("1 (greedy)") && table.lines().count() == 4, table);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void beamCountsOutsideTheDecodeStepAreRefused(Backend backend) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> BeamBench.run(BenchTest.TINY, backend, 1, List.of(1, 32), 2, 1, m -> { }));
        assertTrue(e.getMessage().contains("--beams 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BeamBench.run(BenchTest.TINY, backend, 1, List.of(1), 0, 1, m -> { }));
    }
}
