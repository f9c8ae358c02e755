package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.L;

/**
 * The small heap arrays a GEMM tile kernel hands its accumulators through (a FloatVector cannot
 * leave a method without being boxed), one set per thread and reused by every call on it. Allocated
 * per call they were ~3 KB of garbage per product, about 1 MB per decoded token on PaliGemma-3B.
 * A thread runs one {@link GemmNT} or {@link GemmNN} call at a time (neither calls back into
 * {@link Parallel}), so a call owns its thread's set until it returns.
 */
final class TileScratch {
    private static final ThreadLocal<TileScratch> PER_THREAD = ThreadLocal.withInitial(TileScratch::new);

    /** [16, L]: a tile's accumulators, then their lane sums. */
    final float[] acc = new float[16 * L];
    /** [9, L]: zero-padded row tails when k % L != 0. */
    final float[] pad = new float[9 * L];

    private TileScratch() {
    }

    /** This thread's set. */
    static TileScratch get() {
        return PER_THREAD.get();
    }
}
