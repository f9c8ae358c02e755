package io.paligemma.ops;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot-product kernels: out[i, j] = Σ_p a[i, p] · b[j, p] with both operands contiguous along p (the
 * layout of nn.Linear weights [out, in], and of attention keys). Each kernel is one method holding its
 * whole loop, so no FloatVector crosses a call boundary (C2 would box it).
 */
final class VectorGemm {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** 16-bit lanes, as many as F has, so one short load widens to one float vector. */
    static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int L = F.length();
    /** Four float lanes: one row of a 4×4 tile of results. */
    private static final VectorSpecies<Float> FOUR = FloatVector.SPECIES_128;
    private static final VectorOperators.Conversion<Short, Integer> S2I = VectorOperators.S2I;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Storage kinds of a weight matrix. */
    static final int KIND_F32 = 0;
    static final int KIND_BF16 = 1;
    static final int KIND_F16 = 2;
    /** Q8_0: int8 values with an IEEE-half scale per block of 32 ({@link io.paligemma.tensor.Q8}). */
    static final int KIND_Q8 = 3;

    private VectorGemm() {
    }

    /**
     * One row of a against eight rows of b (the decode shape): acc[c·L ..] = Σ_p a[p] · b_c[p] over p &lt;
     * k rounded down to whole vectors. Every byte of b is read once; eight independent streams keep
     * enough DRAM requests in flight (measured here: ~20 GB/s with 8 rows against ~15 with 4) and
     * eight accumulators hide the FMA latency. Byte offsets; rows c ≥ cols repeat the last valid row.
     * {@link #dot1x8Tail} adds the rest, {@link #reduce1x8} sums the lanes.
     */
    static void dot1x8(MemorySegment a, long a0, MemorySegment b, long b0, long ldb, int cols, int k, float[] acc) {
        long b1 = b0 + Math.min(1, cols - 1) * ldb;
        long b2 = b0 + Math.min(2, cols - 1) * ldb;
        long b3 = b0 + Math.min(3, cols - 1) * ldb;
        long b4 = b0 + Math.min(4, cols - 1) * ldb;
        long b5 = b0 + Math.min(5, cols - 1) * ldb;
        long b6 = b0 + Math.min(6, cols - 1) * ldb;
        long b7 = b0 + Math.min(7, cols - 1) * ldb;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int full = k - k % L;
        for (int p = 0; p < full; p += L) {
            long o = p * 4L;
            FloatVector x = FloatVector.fromMemorySegment(F, a, a0 + o, LE);
            s0 = x.fma(FloatVector.fromMemorySegment(F, b, b0 + o, LE), s0);
            s1 = x.fma(FloatVector.fromMemorySegment(F, b, b1 + o, LE), s1);
            s2 = x.fma(FloatVector.fromMemorySegment(F, b, b2 + o, LE), s2);
            s3 = x.fma(FloatVector.fromMemorySegment(F, b, b3 + o, LE), s3);
            s4 = x.fma(FloatVector.fromMemorySegment(F, b, b4 + o, LE), s4);
            s5 = x.fma(FloatVector.fromMemorySegment(F, b, b5 + o, LE), s5);
            s6 = x.fma(FloatVector.fromMemorySegment(F, b, b6 + o, LE), s6);
            s7 = x.fma(FloatVector.fromMemorySegment(F, b, b7 + o, LE), s7);
        }
        s0.intoArray(acc, 0); s1.intoArray(acc, L); s2.intoArray(acc, 2 * L); s3.intoArray(acc, 3 * L);
        s4.intoArray(acc, 4 * L); s5.intoArray(acc, 5 * L); s6.intoArray(acc, 6 * L); s7.intoArray(acc, 7 * L);
    }

    /**
     * {@link #dot1x8} with b in bfloat16, widened in registers: a bf16 value is the top half of a
     * float32, so widen each 16-bit lane to 32 bits and shift left 16. Decode is bandwidth-bound, so
     * reading 2 bytes per weight instead of 4 is what counts.
     */
    static void dot1x8Bf16(MemorySegment a, long a0, MemorySegment b, long b0, long ldb, int cols, int k,
                           float[] acc) {
        long b1 = b0 + Math.min(1, cols - 1) * ldb;
        long b2 = b0 + Math.min(2, cols - 1) * ldb;
        long b3 = b0 + Math.min(3, cols - 1) * ldb;
        long b4 = b0 + Math.min(4, cols - 1) * ldb;
        long b5 = b0 + Math.min(5, cols - 1) * ldb;
        long b6 = b0 + Math.min(6, cols - 1) * ldb;
        long b7 = b0 + Math.min(7, cols - 1) * ldb;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int full = k - k % L;
        for (int p = 0; p < full; p += L) {
            long o = p * 2L;
            FloatVector x = FloatVector.fromMemorySegment(F, a, a0 + p * 4L, LE);
            s0 = x.fma(bf16(b, b0 + o), s0);
            s1 = x.fma(bf16(b, b1 + o), s1);
            s2 = x.fma(bf16(b, b2 + o), s2);
            s3 = x.fma(bf16(b, b3 + o), s3);
            s4 = x.fma(bf16(b, b4 + o), s4);
            s5 = x.fma(bf16(b, b5 + o), s5);
            s6 = x.fma(bf16(b, b6 + o), s6);
            s7 = x.fma(bf16(b, b7 + o), s7);
        }
        s0.intoArray(acc, 0); s1.intoArray(acc, L); s2.intoArray(acc, 2 * L); s3.intoArray(acc, 3 * L);
        s4.intoArray(acc, 4 * L); s5.intoArray(acc, 5 * L); s6.intoArray(acc, 6 * L); s7.intoArray(acc, 7 * L);
    }

    /** L bfloat16 values at byte off as floats. Under 35 bytecodes, so C2 always inlines it (no boxing). */
    private static FloatVector bf16(MemorySegment b, long off) {
        return ShortVector.fromMemorySegment(H, b, off, LE).convertShape(S2I, I, 0)
                .lanewise(VectorOperators.LSHL, 16L).reinterpretAsFloats();
    }

    /**
     * The last k % L columns of {@link #dot1x8} / {@link #dot1x8Bf16} (b of kind F32 or BF16), added to
     * acc through the zero-padded scratch pad [9·L].
     */
    static void dot1x8Tail(MemorySegment a, long a0, int kind, MemorySegment b, long b0, long ldb, int cols, int k,
                           float[] acc, float[] pad) {
        int p = k - k % L;
        if (p == k) {
            return;
        }
        for (int q = 0; q < L; q++) {
            boolean in = p + q < k;
            pad[q] = in ? a.get(FLOAT, a0 + (p + q) * 4L) : 0f;
            for (int c = 0; c < 8; c++) {
                long row = b0 + Math.min(c, cols - 1) * ldb;
                float v = 0f;
                if (in) {
                    v = kind == KIND_BF16 ? Convert.bf16ToFloat(b.get(SHORT, row + (p + q) * 2L))
                            : b.get(FLOAT, row + (p + q) * 4L);
                }
                pad[(c + 1) * L + q] = v;
            }
        }
        FloatVector x = load(pad, 0);
        for (int c = 0; c < 8; c++) {
            x.fma(load(pad, c + 1), load(acc, c)).intoArray(acc, c * L);
        }
    }

    /**
     * Four rows of a against four rows of b, all f32 (16 accumulators: 4 + 4 loads feed 16 FMAs).
     * Rows a0..a3 and b0..b3 are byte offsets (pass a valid row again for rows past the edge).
     * Covers p &lt; k rounded down to whole vectors; {@link #dot4x4Tail} adds the rest.
     * Accumulator (r, c) is left in acc[(4r + c)·L ..] for {@link #reduce4x4}. The split keeps each
     * method inside C2's inlining node budget and C1's register limit (a method C1 cannot compile
     * stays interpreted-speed for seconds).
     */
    static void dot4x4(MemorySegment a, long a0, long a1, long a2, long a3,
                       MemorySegment b, long b0, long b1, long b2, long b3, int k, float[] acc) {
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        int full = k - k % L;
        int p = 0;
        for (; p < full; p += L) {
            long o = p * 4L;
            FloatVector w0 = FloatVector.fromMemorySegment(F, b, b0 + o, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, b, b1 + o, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, b, b2 + o, LE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, b, b3 + o, LE);
            FloatVector x = FloatVector.fromMemorySegment(F, a, a0 + o, LE);
            s00 = x.fma(w0, s00); s01 = x.fma(w1, s01); s02 = x.fma(w2, s02); s03 = x.fma(w3, s03);
            x = FloatVector.fromMemorySegment(F, a, a1 + o, LE);
            s10 = x.fma(w0, s10); s11 = x.fma(w1, s11); s12 = x.fma(w2, s12); s13 = x.fma(w3, s13);
            x = FloatVector.fromMemorySegment(F, a, a2 + o, LE);
            s20 = x.fma(w0, s20); s21 = x.fma(w1, s21); s22 = x.fma(w2, s22); s23 = x.fma(w3, s23);
            x = FloatVector.fromMemorySegment(F, a, a3 + o, LE);
            s30 = x.fma(w0, s30); s31 = x.fma(w1, s31); s32 = x.fma(w2, s32); s33 = x.fma(w3, s33);
        }
        s00.intoArray(acc, 0); s01.intoArray(acc, L); s02.intoArray(acc, 2 * L); s03.intoArray(acc, 3 * L);
        s10.intoArray(acc, 4 * L); s11.intoArray(acc, 5 * L); s12.intoArray(acc, 6 * L); s13.intoArray(acc, 7 * L);
        s20.intoArray(acc, 8 * L); s21.intoArray(acc, 9 * L); s22.intoArray(acc, 10 * L); s23.intoArray(acc, 11 * L);
        s30.intoArray(acc, 12 * L); s31.intoArray(acc, 13 * L); s32.intoArray(acc, 14 * L); s33.intoArray(acc, 15 * L);
    }

    /**
     * The last k % L columns of {@link #dot4x4}, added to acc. The 8 row tails are copied into the
     * zero-padded scratch {@code pad} [8·L] first: masked segment loads here made a method too big for C1.
     */
    static void dot4x4Tail(MemorySegment a, long a0, long a1, long a2, long a3,
                           MemorySegment b, long b0, long b1, long b2, long b3, int k, float[] acc, float[] pad) {
        int p = k - k % L;
        if (p == k) {
            return;
        }
        // one call per row, no array of row offsets: that array was 80 bytes of garbage per tile
        padTail(pad, 0, a, a0, p, k);
        padTail(pad, 1, a, a1, p, k);
        padTail(pad, 2, a, a2, p, k);
        padTail(pad, 3, a, a3, p, k);
        padTail(pad, 4, b, b0, p, k);
        padTail(pad, 5, b, b1, p, k);
        padTail(pad, 6, b, b2, p, k);
        padTail(pad, 7, b, b3, p, k);
        FloatVector w0 = load(pad, 4);
        FloatVector w1 = load(pad, 5);
        FloatVector w2 = load(pad, 6);
        FloatVector w3 = load(pad, 7);
        for (int r = 0; r < 4; r++) {
            FloatVector x = load(pad, r);
            int i = 4 * r;
            x.fma(w0, load(acc, i)).intoArray(acc, i * L);
            x.fma(w1, load(acc, i + 1)).intoArray(acc, (i + 1) * L);
            x.fma(w2, load(acc, i + 2)).intoArray(acc, (i + 2) * L);
            x.fma(w3, load(acc, i + 3)).intoArray(acc, (i + 3) * L);
        }
    }

    /** pad[r·L ..] = the f32 row at byte row from column p to k, zero-padded to L. */
    private static void padTail(float[] pad, int r, MemorySegment src, long row, int p, int k) {
        for (int q = 0; q < L; q++) {
            pad[r * L + q] = p + q < k ? src.get(FLOAT, row + (p + q) * 4L) : 0f;
        }
    }

    /**
     * out[r][c] = alpha · Σ lanes of acc[(4r + c)·L ..] for r &lt; rows, c &lt; cols, stored to
     * y + yOff + r·ldy + c·4 bytes (added to what is there when accumulate).
     */
    static void reduce4x4(float[] acc, float alpha, MemorySegment y, long yOff, long ldy, int rows, int cols,
                          boolean accumulate) {
        sumLanes(acc);
        if (cols == 4) {
            // One 4-float access per row: per-element segment accesses cost as much as the reduction.
            for (int r = 0; r < rows; r++) {
                long off = yOff + r * ldy;
                FloatVector v = FloatVector.fromArray(FOUR, acc, 4 * r).mul(alpha);
                if (accumulate) {
                    v = v.add(FloatVector.fromMemorySegment(FOUR, y, off, LE));
                }
                v.intoMemorySegment(y, off, LE);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                put(y, yOff + r * ldy + c * 4L, alpha * acc[4 * r + c], accumulate);
            }
        }
    }

    /**
     * out[c] = alpha · Σ lanes of acc[c·L ..] for c &lt; cols (≤ 8), stored to y + yOff + c·yStride
     * bytes.
     */
    static void reduce1x8(float[] acc, float alpha, MemorySegment y, long yOff, long yStride, int cols) {
        if (cols == 8 && yStride == 4) {
            reduce4x4(acc, alpha, y, yOff, 16, 2, 4, false); // two "rows" of 4 adjacent outputs
            return;
        }
        if (cols == 8) {
            sumLanes(acc);
            for (int c = 0; c < 8; c++) {
                put(y, yOff + c * yStride, alpha * acc[c], false);
            }
            return;
        }
        // the < 8 rows left at the end of a call: scalar sums. From this colder call site C2 did not
        // always inline the vector tree's helpers, and boxed their vectors (288 bytes per call). They
        // follow the tree's order, so a row's value does not depend on the kernel a call takes (the tail
        // of the 4-row tiles of manyRows goes through the tree: a batch of 4 rows differed from 1 row).
        for (int c = 0; c < cols; c++) {
            put(y, yOff + c * yStride, alpha * treeSum(acc, c * L, L), false);
        }
    }

    /**
     * acc[i] = Σ lanes of acc[i·L ..] for i &lt; 16. With 16 lanes a transpose-reduce replaces the 16
     * horizontal sums (which cost as much as ~400 FMAs): four halving levels leave one vector whose
     * lane i is the total of accumulator i. The levels are split over two methods to stay inside
     * C2's inlining node budget.
     */
    private static void sumLanes(float[] acc) {
        if (L == 16) {
            for (int q = 0; q < 4; q++) {
                int i = 4 * q;
                half(half(load(acc, i), load(acc, i + 1), SECOND_1, SWAP_1),
                        half(load(acc, i + 2), load(acc, i + 3), SECOND_1, SWAP_1), SECOND_2, SWAP_2)
                        .intoArray(acc, q * L);
            }
            reduceLast(acc);
        } else {
            for (int i = 0; i < 16; i++) {
                acc[i] = sumLanesFixed(load(acc, i));
            }
        }
    }

    /**
     * Σ lanes of v as a balanced tree of neighbours, ((v0 + v1) + (v2 + v3)) + ..., the order of the
     * transpose-reduce of {@link #sumLanes} and of {@link #treeSum}. FloatVector.reduceLanes(ADD) leaves
     * the order to the implementation, and it is not the same before and after C2 compiles a kernel: the
     * int8 decode product of one row changed value during warm-up, and the rows of a batch, summed by
     * another path, did not equal the rows alone.
     */
    static float sumLanesFixed(FloatVector v) {
        v = v.add(v.rearrange(SWAP_1));
        if (L > 2) {
            v = v.add(v.rearrange(SWAP_2));
        }
        if (L > 4) {
            v = v.add(v.rearrange(SWAP_4));
        }
        if (L > 8) {
            v = v.add(v.rearrange(SWAP_8));
        }
        return v.lane(0);
    }

    /** Σ a[from .. from + n) (n a power of two) in {@link #sumLanesFixed}'s order, in scalar code. */
    static float treeSum(float[] a, int from, int n) {
        if (n == 1) {
            return a[from];
        }
        int half = n / 2;
        return treeSum(a, from, half) + treeSum(a, from + half, half);
    }

    /** The last two halving levels: acc[0..4L) holds 4 vectors with 4 totals each; acc[0..16) gets the totals. */
    private static void reduceLast(float[] acc) {
        half(half(load(acc, 0), load(acc, 1), SECOND_4, SWAP_4), half(load(acc, 2), load(acc, 3), SECOND_4, SWAP_4),
                SECOND_8, SWAP_8).intoArray(acc, 0);
    }

    private static FloatVector load(float[] acc, int i) {
        return FloatVector.fromArray(F, acc, i * L);
    }

    /*
     * half(a, b, SECOND_g, SWAP_g) halves two vectors into one: lanes whose bit g is 0 sum lane pairs
     * (l, l ^ g) of a, the others of b. Four levels (g = 1, 2, 4, 8) turn 16 accumulators into one
     * vector whose lane l is the total of accumulator l (bit 3 picked at the last level, bit 0 at the first).
     */
    private static final VectorMask<Float> SECOND_1 = secondHalf(1);
    private static final VectorMask<Float> SECOND_2 = secondHalf(2);
    private static final VectorMask<Float> SECOND_4 = secondHalf(4);
    private static final VectorMask<Float> SECOND_8 = secondHalf(8);
    private static final VectorShuffle<Float> SWAP_1 = swap(1);
    private static final VectorShuffle<Float> SWAP_2 = swap(2);
    private static final VectorShuffle<Float> SWAP_4 = swap(4);
    private static final VectorShuffle<Float> SWAP_8 = swap(8);

    /** Lane l takes lane l ^ g (kept in range for narrower vectors, where the tree is not used). */
    private static VectorShuffle<Float> swap(int g) {
        return VectorShuffle.fromOp(F, l -> (l ^ g) & (L - 1));
    }

    private static VectorMask<Float> secondHalf(int g) {
        boolean[] bits = new boolean[L];
        for (int l = 0; l < L; l++) {
            bits[l] = (l & g) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    /** Inlined (tiny): a blend, a lane permute, an add. */
    private static FloatVector half(FloatVector a, FloatVector b, VectorMask<Float> second, VectorShuffle<Float> swap) {
        return a.blend(b, second).add(b.blend(a, second).rearrange(swap));
    }

    private static void put(MemorySegment y, long off, float v, boolean accumulate) {
        y.set(FLOAT, off, accumulate ? y.get(FLOAT, off) + v : v);
    }
}
