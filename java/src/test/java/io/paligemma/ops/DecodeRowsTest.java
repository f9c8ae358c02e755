package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a batched decode step relies on: up to {@link Ops#maxDecodeRows()} rows, linear computes every row
 * bit for bit as it computes that row alone, for every weight type; so a sequence's answer cannot depend on
 * the sequences decoded beside it. (From 32 rows the native packed prefill kernels sum in another order.)
 */
class DecodeRowsTest {

    static List<Ops> implementations() {
        return OpsUnderTest.implementations().toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void everyRowOfABatchEqualsTheRowAlone(Ops ops) {
        int k = 104;  // 3.25 Q8 blocks: a partial block, and a tail after the last whole 16-float vector
        int n = 131; // a partial last tile of 8 and of 16 columns
        int most = ops.maxDecodeRows();
        assertTrue(most >= 8 && most < 32, "decode rows " + most);
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofShared()) {
            List<Tensor> weights = weights(arena, n, k, rnd);
            MemorySegment x = arena.allocate((long) (most + 1) * k * 4, 64);
            for (long i = 0; i < (long) (most + 1) * k; i++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            MemorySegment alone = arena.allocate((long) (most + 1) * n * 4, 64);
            MemorySegment batch = arena.allocate((long) (most + 1) * n * 4, 64);
            for (Tensor w : weights) {
                for (int r = 0; r <= most; r++) {
                    ops.linear(x.asSlice((long) r * k * 4), 1, k, w, null, alone.asSlice((long) r * n * 4));
                }
                for (int m : new int[] {2, 3, 4, 5, 8, 9, 16, 17, most}) {
                    if (m > most) {
                        continue;
                    }
                    ops.linear(x, m, k, w, null, batch);
                    for (long i = 0; i < (long) m * n; i++) {
                        float a = alone.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        float b = batch.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        assertEquals(Float.floatToIntBits(a), Float.floatToIntBits(b),
                                ops.name() + " " + w.dtype() + ": row " + i / n + " of " + m + ", column " + i % n);
                    }
                }
            }
        }
    }

    private static List<Tensor> weights(Arena arena, int n, int k, SplittableRandom rnd) {
        MemorySegment f32 = arena.allocate((long) n * k * 4, 64);
        MemorySegment bf16 = arena.allocate((long) n * k * 2, 64);
        MemorySegment f16 = arena.allocate((long) n * k * 2, 64);
        MemorySegment q = arena.allocate((long) n * k, 64);
        MemorySegment s = arena.allocate((long) n * Q8.blocks(k) * 2, 64);
        float[] row = new float[k];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < k; j++) {
                float v = (float) rnd.nextGaussian();
                row[j] = v;
                long i = (long) r * k + j;
                f32.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                bf16.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToIntBits(v) >>> 16));
                f16.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
            }
            Q8.quantizeRow(row, k, q, (long) r * k, s, (long) r * Q8.blocks(k) * 2);
        }
        List<Tensor> out = new ArrayList<>();
        out.add(new Tensor("f32", DType.F32, new long[] {n, k}, f32));
        out.add(new Tensor("bf16", DType.BF16, new long[] {n, k}, bf16));
        out.add(new Tensor("f16", DType.F16, new long[] {n, k}, f16));
        out.add(new Tensor("q8", DType.Q8_0, new long[] {n, k}, q, s));
        return out;
    }
}
