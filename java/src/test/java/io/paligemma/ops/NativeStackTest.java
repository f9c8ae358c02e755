package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The GEMM kernels' large stack frames: a thread too small for them gets an error, not a crash. */
class NativeStackTest {

    @org.junit.jupiter.api.BeforeAll
    static void loadLibraries() {
        io.paligemma.nativelib.NativeLibraries.load(); // the bindings resolve symbols in the loaded libraries
    }

    private static Throwable runOnThread(long stackBytes, Runnable r) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "stack-" + stackBytes / 1024 + "k", stackBytes);
        t.start();
        t.join();
        return failure.get();
    }

    /** A bf16 linear of m = 64 rows (the packed path) on one thread, checked against a scalar sum. */
    private static void packedLinear() {
        linear(64);
    }

    /** A bf16 linear of m rows on one thread, checked against a scalar sum. */
    private static void linear(int m) {
        int k = 48, n = 40;
        try (Arena arena = Arena.ofConfined(); Parallel one = new Parallel(1)) {
            MemorySegment x = arena.allocate((long) m * k * 4, 64);
            MemorySegment w = arena.allocate((long) n * k * 2, 64);
            MemorySegment y = arena.allocate((long) m * n * 4, 64);
            for (int i = 0; i < m * k; i++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 7) - 3);
            }
            for (int i = 0; i < n * k; i++) {
                w.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits((i % 5) - 2) >>> 16));
            }
            new NativeOps(one).linear(x, m, k, new Tensor("w", DType.BF16, new long[] {n, k}, w), null, y);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float want = 0;
                    for (int p = 0; p < k; p++) {
                        want += ((i * k + p) % 7 - 3) * ((j * k + p) % 5 - 2);
                    }
                    assertEquals(want, y.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j), 0f);
                }
            }
        }
    }

    /**
     * A Q8_0 linear of m = 64 rows (pg_gemm_q8's packed path: 108 KB of panels, 124 KB on AMX-INT8 tiles) on one
     * thread, against the integer products of activations quantized by the Java backend's Q8 (the same bits).
     */
    private static void packedLinearQ8() {
        int m = 64, k = 70, n = 40, kb = Q8.blocks(k);
        try (Arena arena = Arena.ofConfined(); Parallel one = new Parallel(1)) {
            MemorySegment x = arena.allocate((long) m * k * 4, 64);
            MemorySegment q = arena.allocate((long) n * k, 64);
            MemorySegment s = arena.allocate((long) n * kb * 2, 64);
            MemorySegment y = arena.allocate((long) m * n * 4, 64);
            for (int i = 0; i < m * k; i++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 7) - 3 + 0.25f * (i % 3));
            }
            for (int i = 0; i < n * k; i++) {
                q.set(ValueLayout.JAVA_BYTE, i, (byte) ((i % 255) - 127));
            }
            for (int i = 0; i < n * kb; i++) {
                s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(0.5f + (i % 4) * 0.25f));
            }
            new NativeOps(one).linear(x, m, k, new Tensor("wq", DType.Q8_0, new long[] {n, k}, q, s), null, y);
            MemorySegment xq = arena.allocate((long) m * kb * Q8.BLOCK);
            MemorySegment xs = arena.allocate((long) m * kb * 4);
            Q8.quantizeActivations(x, k, m, k, xq, xs);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double want = 0, mag = 0;
                    for (int b = 0; b < kb; b++) {
                        long isum = 0;
                        for (int p = b * Q8.BLOCK; p < Math.min(k, (b + 1) * Q8.BLOCK); p++) {
                            isum += (long) q.get(ValueLayout.JAVA_BYTE, (long) j * k + p)
                                    * xq.get(ValueLayout.JAVA_BYTE, (long) i * kb * Q8.BLOCK + p);
                        }
                        double scale = (double) Float.float16ToFloat(
                                s.getAtIndex(ValueLayout.JAVA_SHORT, (long) j * kb + b))
                                * xs.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * kb + b);
                        want += scale * isum;
                        mag += Math.abs(scale * isum);
                    }
                    assertEquals(want, y.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j), 1e-6 * mag + 1e-30);
                }
            }
        }
    }

    @Test
    void aThreadWithTooLittleStackGetsAClearError() throws InterruptedException {
        // 192 KB: less than the packed kernel's 145 KB plus the margin for the JVM's guard zones
        Throwable t = runOnThread(192 * 1024, NativeStackTest::packedLinear);
        assertInstanceOf(IllegalStateException.class, t, "expected a stack error, got " + t);
        assertTrue(t.getMessage().contains("stack-192k") && t.getMessage().contains("KB of stack left"), t.getMessage());

        // the int8 packed path too. glibc may hand a new thread the cached stack of an exited one up to 4x the
        // size asked for (best fit: here most likely the 192 KB one just freed), so the expectation follows the
        // stack the thread got
        long need = pg_kernels_h.PG_GEMM_STACK_BYTES() + 64 * 1024;
        long[] free = {-1};
        Throwable q8 = runOnThread(192 * 1024, () -> {
            free[0] = pg_kernels_h.pg_stack_headroom();
            packedLinearQ8();
        });
        if (free[0] < need) {
            assertInstanceOf(IllegalStateException.class, q8,
                    "expected a stack error with " + free[0] + " bytes free, got " + q8);
            assertTrue(q8.getMessage().contains("stack-192k") && q8.getMessage().contains("linear wq"), q8.getMessage());
        } else if (free[0] > need + 32 * 1024) {
            assertNull(q8, "a thread that got a larger cached stack (" + free[0] + " bytes free) runs it");
        }
        assertNull(runOnThread(256 * 1024, NativeStackTest::packedLinearQ8));
    }

    @Test
    void theDecodePathChecksItsStackToo() throws InterruptedException {
        // one row takes the stream path, whose partial sums (68 KB) are on the stack as well
        Throwable t = runOnThread(96 * 1024, () -> linear(1));
        assertInstanceOf(IllegalStateException.class, t, "expected a stack error, got " + t);
        assertTrue(t.getMessage().contains("stack-96k") && t.getMessage().contains("KB of stack left"), t.getMessage());
        assertNull(runOnThread(256 * 1024, () -> linear(1)));
        assertNull(runOnThread(256 * 1024, () -> linear(7)));
    }

    @Test
    void threadsWithTheDefaultOrATrimmed256kStackRunThePackedKernel() throws InterruptedException {
        assertNull(runOnThread(1024 * 1024, NativeStackTest::packedLinear));
        assertNull(runOnThread(256 * 1024, NativeStackTest::packedLinear));
    }

    @Test
    void headroomFollowsTheThreadsStackSize() throws InterruptedException {
        long[] free = new long[2];
        // the JVM may round a requested size up (it did to 4 MB here for 2 MB), never down
        assertNull(runOnThread(2048 * 1024, () -> free[0] = pg_kernels_h.pg_stack_headroom()));
        assertNull(runOnThread(192 * 1024, () -> free[1] = pg_kernels_h.pg_stack_headroom()));
        assertTrue(free[0] > 1500 * 1024, "headroom in a 2 MB thread: " + free[0]);
        assertTrue(free[1] > 64 * 1024 && free[1] < 192 * 1024, "headroom in a 192 KB thread: " + free[1]);
    }
}
