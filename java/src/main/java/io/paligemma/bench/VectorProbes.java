package io.paligemma.bench;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Java halves of the roofline: a register-only FMA loop and a streaming read, both on the Vector
 * API. Each loop keeps its vectors in locals of one method (a vector that crosses a call C2 does not
 * inline is boxed, which would measure the allocator instead).
 */
final class VectorProbes {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    /** Independent accumulators: more than FMA latency × FMA ports on any current x86 core. */
    static final int CHAINS = 16;
    /** Bytes one iteration of {@link #readSum} loads: eight vectors in flight. */
    static final int READ_STEP = 8 * LONGS.vectorByteSize();

    private VectorProbes() {
    }

    /** Floating-point operations one iteration of {@link #fmaLoop} performs (an FMA counts 2). */
    static long flopsPerIteration() {
        return 2L * CHAINS * FLOATS.length();
    }

    /**
     * acc = acc·a + b on 16 independent vectors; a is just below 1, so the chains converge to b/(1-a) and
     * never overflow or go subnormal. Returns a sum of the lanes, so the work cannot be dropped.
     */
    static float fmaLoop(long iterations) {
        FloatVector a = FloatVector.broadcast(FLOATS, 0.999999f);
        FloatVector b = FloatVector.broadcast(FLOATS, 1e-6f);
        FloatVector c0 = FloatVector.broadcast(FLOATS, 0.00f);
        FloatVector c1 = FloatVector.broadcast(FLOATS, 0.01f);
        FloatVector c2 = FloatVector.broadcast(FLOATS, 0.02f);
        FloatVector c3 = FloatVector.broadcast(FLOATS, 0.03f);
        FloatVector c4 = FloatVector.broadcast(FLOATS, 0.04f);
        FloatVector c5 = FloatVector.broadcast(FLOATS, 0.05f);
        FloatVector c6 = FloatVector.broadcast(FLOATS, 0.06f);
        FloatVector c7 = FloatVector.broadcast(FLOATS, 0.07f);
        FloatVector c8 = FloatVector.broadcast(FLOATS, 0.08f);
        FloatVector c9 = FloatVector.broadcast(FLOATS, 0.09f);
        FloatVector c10 = FloatVector.broadcast(FLOATS, 0.10f);
        FloatVector c11 = FloatVector.broadcast(FLOATS, 0.11f);
        FloatVector c12 = FloatVector.broadcast(FLOATS, 0.12f);
        FloatVector c13 = FloatVector.broadcast(FLOATS, 0.13f);
        FloatVector c14 = FloatVector.broadcast(FLOATS, 0.14f);
        FloatVector c15 = FloatVector.broadcast(FLOATS, 0.15f);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
            c12 = c12.fma(a, b);
            c13 = c13.fma(a, b);
            c14 = c14.fma(a, b);
            c15 = c15.fma(a, b);
        }
        FloatVector s = c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7)))
                .add(c8.add(c9).add(c10.add(c11)).add(c12.add(c13).add(c14.add(c15))));
        return s.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Reads bytes [from, to) of seg once (to - from a multiple of {@link #READ_STEP}) and returns the
     * wrapping sum of its 64-bit words: eight independent vector sums keep enough loads in flight.
     */
    static long readSum(MemorySegment seg, long from, long to) {
        int w = LONGS.vectorByteSize();
        LongVector s0 = LongVector.zero(LONGS);
        LongVector s1 = LongVector.zero(LONGS);
        LongVector s2 = LongVector.zero(LONGS);
        LongVector s3 = LongVector.zero(LONGS);
        LongVector s4 = LongVector.zero(LONGS);
        LongVector s5 = LongVector.zero(LONGS);
        LongVector s6 = LongVector.zero(LONGS);
        LongVector s7 = LongVector.zero(LONGS);
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        for (long off = from; off < to; off += READ_STEP) {
            s0 = s0.add(LongVector.fromMemorySegment(LONGS, seg, off, le));
            s1 = s1.add(LongVector.fromMemorySegment(LONGS, seg, off + w, le));
            s2 = s2.add(LongVector.fromMemorySegment(LONGS, seg, off + 2L * w, le));
            s3 = s3.add(LongVector.fromMemorySegment(LONGS, seg, off + 3L * w, le));
            s4 = s4.add(LongVector.fromMemorySegment(LONGS, seg, off + 4L * w, le));
            s5 = s5.add(LongVector.fromMemorySegment(LONGS, seg, off + 5L * w, le));
            s6 = s6.add(LongVector.fromMemorySegment(LONGS, seg, off + 6L * w, le));
            s7 = s7.add(LongVector.fromMemorySegment(LONGS, seg, off + 7L * w, le));
        }
        return s0.add(s1).add(s2.add(s3)).add(s4.add(s5).add(s6.add(s7))).reduceLanes(VectorOperators.ADD);
    }
}
