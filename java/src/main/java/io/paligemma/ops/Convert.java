package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.FLOAT;
import static io.paligemma.ops.VectorGemm.H;
import static io.paligemma.ops.VectorGemm.I;
import static io.paligemma.ops.VectorGemm.L;
import static io.paligemma.ops.VectorGemm.LE;
import static io.paligemma.ops.VectorGemm.SHORT;

import io.paligemma.tensor.Q8;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Storage formats to float32, exact for all three (bf16 and IEEE half are subsets of float32).
 * One loop per format with the conversion written inline: a shared helper returning a vector would
 * have to be inlined by C2 to avoid boxing, and a three-way switch in it defeats that.
 */
final class Convert {

    private Convert() {
    }

    /** out (f32, from byte outOff) [0 .. n) = src[start .. start + n) of the given kind, widened. */
    static void run(MemorySegment out, long outOff, int kind, MemorySegment src, long start, long n) {
        switch (kind) {
            case VectorGemm.KIND_F32 -> MemorySegment.copy(src, start * 4, out, outOff, n * 4);
            case VectorGemm.KIND_BF16 -> bf16(out, outOff, src, start, n);
            default -> f16(out, outOff, src, start, n);
        }
    }

    /**
     * rows × len block of a [*, ld] matrix of the given kind, from element start, to f32 rows of
     * stride outLd (elements) at out.
     */
    static void rows(MemorySegment out, long outLd, int kind, MemorySegment src, long start, long ld, int rows,
                     int len) {
        for (int r = 0; r < rows; r++) {
            run(out, r * outLd * 4, kind, src, start + r * ld, len);
        }
    }

    /**
     * rows × len block of a Q8_0 matrix (q [*, k] int8, s [*, blocks(k)] halves) from row {@code row0} and
     * column {@code col0}, dequantized (exact) to f32 rows of stride outLd (elements) at out.
     */
    static void q8Rows(MemorySegment out, long outLd, MemorySegment q, MemorySegment s, int k, int row0, int col0,
                       int rows, int len) {
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < len; p++) {
                out.set(FLOAT, (r * outLd + p) * 4, Q8.value(q, s, k, row0 + r, col0 + p));
            }
        }
    }

    /** bfloat16 is the top half of a float32: widen to 32 bits and shift left 16 (torch: exact). */
    private static void bf16(MemorySegment out, long outOff, MemorySegment src, long start, long n) {
        long full = n - n % L;
        long i = 0;
        for (; i < full; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(H, src, (start + i) * 2, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoMemorySegment(out, outOff + i * 4, LE);
        }
        for (; i < n; i++) {
            out.set(FLOAT, outOff + i * 4, bf16ToFloat(src.get(SHORT, (start + i) * 2)));
        }
    }

    /**
     * IEEE half: the 15 magnitude bits moved to float position (shift 13) and scaled by 2^112
     * (= 2^(127 - 15)) give the value exactly, subnormals included; exponent 31 (inf/NaN) is
     * forced to 255 instead, NaNs quieted (as F16C's vcvtph2ps, torch and Float.float16ToFloat do);
     * then the sign bit is put back.
     */
    private static void f16(MemorySegment out, long outOff, MemorySegment src, long start, long n) {
        long full = n - n % L;
        long i = 0;
        for (; i < full; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(H, src, (start + i) * 2, LE)
                    .convertShape(VectorOperators.S2I, I, 0); // sign-extended: bit 31 is the sign
            IntVector mag = h.and(0x7fff);
            IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(shifted.or(0x7f800000), mag.compare(VectorOperators.GE, 0x7c00))
                    .lanewise(VectorOperators.OR, 0x00400000, mag.compare(VectorOperators.GT, 0x7c00));
            bits.or(h.and(0x80000000)).reinterpretAsFloats().intoMemorySegment(out, outOff + i * 4, LE);
        }
        for (; i < n; i++) {
            out.set(FLOAT, outOff + i * 4, Float.float16ToFloat(src.get(SHORT, (start + i) * 2)));
        }
    }

    static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }
}
