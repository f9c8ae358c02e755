package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The 16-bit kernels' large stack frames: a thread too small for them gets an error, not a crash. */
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

    @Test
    void aThreadWithTooLittleStackGetsAClearError() throws InterruptedException {
        // 192 KB: less than the packed kernel's 145 KB plus the margin for the JVM's guard zones
        Throwable t = runOnThread(192 * 1024, NativeStackTest::packedLinear);
        assertInstanceOf(IllegalStateException.class, t, "expected a stack error, got " + t);
        assertTrue(t.getMessage().contains("stack-192k") && t.getMessage().contains("KB of stack left"), t.getMessage());
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
