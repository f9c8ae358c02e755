package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void oddCountTakesTheMiddleSample() {
        Stats s = Stats.ofNanos(3_000_000_000L, 1_000_000_000L, 2_000_000_000L);
        assertEquals(2.0, s.medianS());
        assertEquals(1.0, s.minS());
        assertEquals(3.0, s.maxS());
        assertEquals(3, s.samples());
    }

    @Test
    void evenCountAveragesTheMiddlePair() {
        assertEquals(2.5e-9, Stats.ofNanos(4, 1, 3, 2).medianS(), 1e-21);
    }

    @Test
    void medianOfValuesSkipsNaN() {
        assertEquals(31.0, Stats.median(33.0, Double.NaN, 29.0, 31.0));
        assertEquals(30.0, Stats.median(33.0, 27.0, Double.NaN));
        assertEquals(Double.NaN, Stats.median(Double.NaN));
        assertEquals(Double.NaN, Stats.median());
    }

    @Test
    void noSamplesIsAnError() {
        assertThrows(IllegalArgumentException.class, Stats::ofNanos);
    }
}
