package io.paligemma.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Q8_0 format: weight quantization, dequantization, activation quantization and the tensor's checks. */
class Q8Test {

    @Test
    void weightRowsKeepEveryValueWithinHalfAStep() {
        Random r = new Random(7);
        for (int k : new int[] {1, 5, 31, 32, 33, 64, 100}) {
            float[] w = new float[k];
            for (int p = 0; p < k; p++) {
                w[p] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 4));
            }
            try (Arena arena = Arena.ofConfined()) {
                int kb = Q8.blocks(k);
                MemorySegment q = arena.allocate(k);
                MemorySegment s = arena.allocate(2L * kb);
                Q8.quantizeRow(w, k, q, 0, s, 0);
                Tensor t = new Tensor("w", DType.Q8_0, new long[] {1, k}, q, s);
                float[] back = new float[k];
                Q8.dequantizeRow(t, 0, back);
                for (int b = 0; b < kb; b++) {
                    float amax = 0;
                    int maxQ = 0;
                    for (int p = b * 32; p < Math.min(k, b * 32 + 32); p++) {
                        amax = Math.max(amax, Math.abs(w[p]));
                        maxQ = Math.max(maxQ, Math.abs(q.get(ValueLayout.JAVA_BYTE, p)));
                    }
                    float scale = Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * b));
                    // the scale is amax / 127 rounded to half: 11 significant bits
                    assertEquals(amax / 127f, scale, amax / 127f * 0x1p-11f + 0x1p-24f, "scale of block " + b);
                    assertTrue(maxQ >= 126 || amax / 127f < 0x1p-14f, "the largest element maps to ±126..127, got " + maxQ);
                    for (int p = b * 32; p < Math.min(k, b * 32 + 32); p++) {
                        assertEquals(scale * q.get(ValueLayout.JAVA_BYTE, p), back[p], 0f, "dequantized = scale · q");
                        assertTrue(Math.abs(back[p] - w[p]) <= scale / 2 * 1.0001f + 1e-30f,
                                "k=" + k + " p=" + p + ": " + w[p] + " -> " + back[p] + " (scale " + scale + ")");
                    }
                }
            }
        }
    }

    @Test
    void zeroBlocksAndNonFiniteWeights() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(40);
            MemorySegment s = arena.allocate(4);
            float[] w = new float[40];
            w[35] = -3f;
            Q8.quantizeRow(w, 40, q, 0, s, 0);
            assertEquals(0, s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0), "a block of zeros has scale 0");
            assertEquals(-127, q.get(ValueLayout.JAVA_BYTE, 35));
            w[3] = Float.NaN;
            assertThrows(IllegalArgumentException.class, () -> Q8.quantizeRow(w, 40, q, 0, s, 0));
        }
    }

    @Test
    void activationsRoundHalfToEvenAndPadWithZeros() {
        try (Arena arena = Arena.ofConfined()) {
            int k = 35;
            MemorySegment x = arena.allocate(4L * k);
            // amax 127 → id = 1: x · id is x itself, so x = 2.5 and 3.5 test the tie rule
            float[] v = new float[k];
            v[0] = 127f;
            v[1] = 2.5f;
            v[2] = 3.5f;
            v[3] = -2.5f;
            v[33] = 1f; // second block: amax 1 → id 127
            v[34] = -0.5f;
            MemorySegment.copy(v, 0, x, ValueLayout.JAVA_FLOAT, 0, k);
            MemorySegment xq = arena.allocate(64);
            xq.fill((byte) 9);
            MemorySegment xs = arena.allocate(8);
            Q8.quantizeActivations(x, k, 1, k, xq, xs);
            assertEquals(1f, xs.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(1f / 127f, xs.getAtIndex(ValueLayout.JAVA_FLOAT, 1));
            assertEquals(127, xq.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(2, xq.get(ValueLayout.JAVA_BYTE, 1), "2.5 rounds to even");
            assertEquals(4, xq.get(ValueLayout.JAVA_BYTE, 2), "3.5 rounds to even");
            assertEquals(-2, xq.get(ValueLayout.JAVA_BYTE, 3), "-2.5 rounds to even");
            assertEquals(127, xq.get(ValueLayout.JAVA_BYTE, 33));
            assertEquals(-64, xq.get(ValueLayout.JAVA_BYTE, 34), "-63.5 rounds to even");
            for (int p = 35; p < 64; p++) {
                assertEquals(0, xq.get(ValueLayout.JAVA_BYTE, p), "padding past k is zero");
            }
        }
    }

    @Test
    void tensorChecksItsScales() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(3 * 40);
            assertThrows(IllegalArgumentException.class, () -> new Tensor("w", DType.Q8_0, new long[] {3, 40}, q, null));
            assertThrows(IllegalArgumentException.class,
                    () -> new Tensor("w", DType.Q8_0, new long[] {3, 40}, q, arena.allocate(3 * 2 * 2 - 1)));
            assertThrows(IllegalArgumentException.class,
                    () -> new Tensor("w", DType.F32, new long[] {3, 10}, q, arena.allocate(12)));
            Tensor ok = new Tensor("w", DType.Q8_0, new long[] {3, 40}, q, arena.allocate(3 * 2 * 2));
            assertEquals(2 * 3 * 2, ok.scales().byteSize());
            assertEquals(null, DType.fromSafetensorsName("Q8_0"), "Q8_0 is not a type a safetensors file may name");
        }
    }
}
