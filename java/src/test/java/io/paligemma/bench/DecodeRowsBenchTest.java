package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.Backend;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The decode-step bench on the tiny fixture: one row per row count, rows that agree, and refused row counts. */
class DecodeRowsBenchTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyRowCountRunsAndItsRowsDecodeTheSameTokens(Backend backend) {
        List<DecodeRowsBench.Row> rows = DecodeRowsBench.run(BenchTest.TINY, backend, 1, List.of(1, 5, 13), 3, m -> { });
        assertEquals(List.of(1, 5, 13), rows.stream().map(DecodeRowsBench.Row::rows).toList());
        for (DecodeRowsBench.Row r : rows) {
            assertEquals(3, r.steps());
            assertTrue(r.bestSeconds() > 0 && r.bestSeconds() <= r.medianSeconds(), r.toString());
            assertTrue(r.weightBytesPerStep() > 0 && r.flopsPerStep() > 0, r.toString());
        }
        assertEquals(13 * rows.get(0).flopsPerStep(), rows.get(2).flopsPerStep(), 1e-6 * rows.get(2).flopsPerStep());
        String table = DecodeRowsBench.table(rows);
        assertTrue(table.contains("vs 1 row") && table.lines().count() == 5, table);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void rowCountsOutsideTheDecodeStepAreRefused(Backend backend) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> DecodeRowsBench.run(BenchTest.TINY, backend, 1, List.of(1, 32), 2, m -> { }));
        assertTrue(e.getMessage().contains("--decode-rows 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DecodeRowsBench.run(BenchTest.TINY, backend, 1, List.of(1), 0, m -> { }));
    }
}
