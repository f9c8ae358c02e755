package io.paligemma.ops;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A quick GFLOP/s probe of the GEMM-like ops of one thread, not a benchmark suite (the build machine
 * is shared: run it by hand, briefly). Usage: OpsSpeed linear F32|BF16|F16 m n k | nt m n k | nn m n k [reps];
 * -Dthreads=N (default 1), -Dmisalign=BYTES.
 */
public final class OpsSpeed {

    /** CPU time of this thread discounts the time other processes of the shared machine take from it. */
    private static final java.lang.management.ThreadMXBean THREAD = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        String op = args[0];
        int at = op.equals("linear") ? 2 : 1;
        DType dt = op.equals("linear") ? DType.valueOf(args[1]) : DType.F32;
        int m = Integer.parseInt(args[at]);
        int n = Integer.parseInt(args[at + 1]);
        int k = Integer.parseInt(args[at + 2]);
        int reps = args.length > at + 3 ? Integer.parseInt(args[at + 3]) : 10;
        try (Parallel parallel = new Parallel(Integer.getInteger("threads", 1)); Arena arena = Arena.ofShared()) {
            Ops ops = new JavaOps(parallel);
            MemorySegment a = arena.allocate((long) m * k * 4, 64);
            // -Dmisalign=8: weights 8 bytes off a cache line, as a tensor inside a safetensors file may be
            long shift = Long.getLong("misalign", 0);
            MemorySegment b = arena.allocate((long) n * k * dt.size + shift, 64).asSlice(shift, (long) n * k * dt.size);
            MemorySegment c = arena.allocate((long) m * n * 4, 64);
            for (long i = 0; i < (long) m * k; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i));
            }
            for (long i = 0; i < (long) n * k; i++) {
                float v = (float) Math.cos(i) * 0.1f;
                switch (dt) {
                    case F32 -> b.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                    case BF16 -> b.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                    default -> b.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
                }
            }
            Tensor w = new Tensor("w", dt, new long[] {n, k}, b);
            for (int round = 0; round < 4; round++) {
                long t0 = System.nanoTime();
                long c0 = THREAD.getCurrentThreadCpuTime();
                for (int r = 0; r < reps; r++) {
                    switch (op) {
                        case "linear" -> ops.linear(a, m, k, w, null, c);
                        case "nt" -> ops.matmulTransB(a, k, b, k, c, n, m, n, k, 1f);
                        default -> ops.matmul(a, k, b, n, c, n, m, n, k);
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                double cpu = (THREAD.getCurrentThreadCpuTime() - c0) / 1e9;
                double flop = 2.0 * m * n * k * reps;
                System.out.printf("%s %s m %d n %d k %d: %.1f GFLOP/s wall, %.1f GFLOP/s of CPU time, %.1f GB/s of b%n",
                        op, dt, m, n, k, flop / s / 1e9, flop / cpu / 1e9, (double) n * k * dt.size * reps / s / 1e9);
            }
        }
    }
}
