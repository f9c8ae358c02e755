package io.paligemma.ops;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Quick GFLOP/s probe of the Java linear kernels: java ... LinearSpeed kind m n k [reps]. Not a benchmark suite. */
public final class LinearSpeed {
    public static void main(String[] args) {
        int kind = Integer.parseInt(args[0]);
        int m = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        int k = Integer.parseInt(args[3]);
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        int es = kind == 0 ? 4 : 2;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate((long) m * k * 4, 64);
            MemorySegment w = arena.allocate((long) n * k * es, 64);
            MemorySegment y = arena.allocate((long) m * n * 4, 64);
            for (long i = 0; i < (long) m * k; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i));
            for (long i = 0; i < (long) n * k; i++) {
                float v = (float) Math.cos(i) * 0.1f;
                if (es == 4) w.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                else w.setAtIndex(ValueLayout.JAVA_SHORT, i, kind == 1 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v));
            }
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) GemmNT.columns(x, k, m, k, kind, w, k, y, n, 0, n, 1f);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("kind %d m %d n %d k %d: %.1f GFLOP/s, %.2f GB/s of W%n", kind, m, n, k,
                        2.0 * m * n * k * reps / s / 1e9, (double) n * k * es * reps / s / 1e9);
            }
        }
    }
}
