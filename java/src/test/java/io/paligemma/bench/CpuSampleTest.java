package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuSampleTest {
    @Test
    void otherCoresIsMachineTimeMinusOurTimeOverWallTime() {
        // 2 s of wall time; the machine was busy 400 ticks (4 s of CPU), this process 100 ticks (1 s)
        CpuSample a = new CpuSample(0, 1000, 200);
        CpuSample b = new CpuSample(2_000_000_000L, 1400, 300);
        assertEquals(1.5, a.otherCores(b), 1e-12);
    }

    @Test
    void unknownWithoutProc() {
        assertTrue(Double.isNaN(new CpuSample(0, -1, -1).otherCores(new CpuSample(1_000_000_000L, -1, -1))));
    }

    @Test
    void liveSamplesGiveANonNegativeFigure() {
        CpuSample a = CpuSample.now();
        long spin = System.nanoTime() + 50_000_000L;
        while (System.nanoTime() < spin) {
            Thread.onSpinWait();
        }
        double others = a.otherCores(CpuSample.now());
        assertTrue(others >= 0 && others <= Runtime.getRuntime().availableProcessors() + 0.5, "other cores " + others);
    }
}
