package io.paligemma.ops;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Size checks every op runs before touching memory: a wrong size is an IllegalArgumentException naming the op.
 * Each check first tests the sizes and builds its message only when one is wrong: the checks run on every
 * op call, and messages built up front were a few hundred bytes of garbage per call.
 */
final class Checks {

    private Checks() {
    }

    static void nonNegative(String op, String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
        }
    }

    static void notNull(String op, String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
    }

    /** seg holds at least {@code count} elements of {@code elementBytes} bytes. */
    static void elements(String op, String name, MemorySegment seg, long count, int elementBytes) {
        notNull(op, name, seg);
        long need = Math.multiplyExact(count, (long) elementBytes);
        if (seg.byteSize() < need) {
            throw new IllegalArgumentException(op + ": " + name + " has " + seg.byteSize() + " bytes, needs " + need
                    + " (" + count + " elements)");
        }
    }

    static void floats(String op, String name, MemorySegment seg, long count) {
        elements(op, name, seg, count, 4);
    }

    /** The passing case of {@link #floats}, without building anything. */
    private static boolean holdsFloats(MemorySegment seg, long count) {
        return seg != null && count >= 0 && count <= Long.MAX_VALUE / 4 && seg.byteSize() >= count * 4;
    }

    /**
     * seg holds a row-major f32 matrix [rows, cols] with row stride ld (in floats, &gt;= cols): the last
     * row needs only its cols.
     */
    static void matrix(String op, String name, MemorySegment seg, long rows, long cols, long ld) {
        if (rows >= 0 && cols >= 0 && ld >= cols && holdsFloats(seg, matrixFloats(rows, cols, ld))) {
            return;
        }
        nonNegative(op, name + " rows", rows);
        nonNegative(op, name + " cols", cols);
        if (ld < cols) {
            throw new IllegalArgumentException(op + ": " + name + " row stride " + ld + " < its " + cols + " columns");
        }
        floats(op, name + " [" + rows + ", " + cols + "] stride " + ld, seg, matrixFloats(rows, cols, ld));
    }

    private static long matrixFloats(long rows, long cols, long ld) {
        return rows == 0 || cols == 0 ? 0 : Math.addExact(Math.multiplyExact(rows - 1, ld), cols);
    }

    // ---- per-op argument checks, shared by both backends so they accept and reject the same calls ----

    /** linear: returns n, the output width. */
    static int linear(MemorySegment x, int m, int k, Tensor w, MemorySegment bias, MemorySegment y) {
        String op = "linear";
        notNull(op, "w", w);
        if (!w.dtype().isWeight() || w.rank() != 2) {
            throw new IllegalArgumentException(op + ": weight " + w + " must be a 2-d F32, BF16, F16 or Q8_0 matrix");
        }
        nonNegative(op, "m", m);
        nonNegative(op, "k", k);
        if (w.dim(1) != k || w.dim(0) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": weight " + w + " does not match k = " + k + " (expected [n, " + k + "])");
        }
        int n = (int) w.dim(0);
        if (holdsFloats(x, (long) m * k) && holdsFloats(y, (long) m * n) && (bias == null || holdsFloats(bias, n))) {
            return n;
        }
        floats(op, "x [" + m + ", " + k + "]", x, (long) m * k);
        floats(op, "y [" + m + ", " + n + "]", y, (long) m * n);
        if (bias != null) {
            floats(op, "bias [" + n + "] of " + w.name(), bias, n);
        }
        return n;
    }

    static void matmulTransB(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k) {
        matrix("matmulTransB", "a", a, m, k, lda);
        matrix("matmulTransB", "b", b, n, k, ldb);
        matrix("matmulTransB", "c", c, m, n, ldc);
    }

    static void matmul(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k) {
        matrix("matmul", "a", a, m, k, lda);
        matrix("matmul", "b", b, k, n, ldb);
        matrix("matmul", "c", c, m, n, ldc);
    }

    static void softmaxRows(MemorySegment x, int rows, int cols, int ld, MemorySegment keyLo, MemorySegment keyHi) {
        matrix("softmaxRows", "x", x, rows, cols, ld);
        elements("softmaxRows", "keyLo", keyLo, rows, 4);
        elements("softmaxRows", "keyHi", keyHi, rows, 4);
    }

    static void rope(MemorySegment x, int tokens, int heads, int headDim, int tokenStride, MemorySegment cos,
                     MemorySegment sin) {
        String op = "ropeRotateHalf";
        nonNegative(op, "heads", heads);
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException(op + ": headDim must be even and > 0, got " + headDim);
        }
        matrix(op, "x", x, tokens, (long) heads * headDim, tokenStride);
        int half = headDim / 2;
        if (!holdsFloats(cos, (long) tokens * half) || !holdsFloats(sin, (long) tokens * half)) {
            floats(op, "cos [" + tokens + ", " + half + "]", cos, (long) tokens * half);
            floats(op, "sin [" + tokens + ", " + half + "]", sin, (long) tokens * half);
        }
    }

    /** rmsNorm (bias null) and layerNorm. */
    static void norm(String op, MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias, int rows,
                     int dim, boolean withBias) {
        long count = (long) rows * dim;
        if (rows >= 0 && dim >= 0 && holdsFloats(x, count) && holdsFloats(out, count) && holdsFloats(weight, dim)
                && (!withBias || holdsFloats(bias, dim))) {
            return;
        }
        nonNegative(op, "rows", rows);
        nonNegative(op, "dim", dim);
        floats(op, "x [" + rows + ", " + dim + "]", x, (long) rows * dim);
        floats(op, "out [" + rows + ", " + dim + "]", out, (long) rows * dim);
        floats(op, "weight [" + dim + "]", weight, dim);
        if (withBias) {
            floats(op, "bias [" + dim + "]", bias, dim);
        }
    }

    /** Element-wise ops over n floats: each segment with its name (fixed arities: varargs would allocate). */
    static void elementwise(String op, long n, String name, MemorySegment seg) {
        nonNegative(op, "n", n);
        floats(op, name, seg, n);
    }

    static void elementwise(String op, long n, String name1, MemorySegment seg1, String name2, MemorySegment seg2) {
        elementwise(op, n, name1, seg1);
        floats(op, name2, seg2, n);
    }

    static void elementwise(String op, long n, String name1, MemorySegment seg1, String name2, MemorySegment seg2,
                            String name3, MemorySegment seg3) {
        elementwise(op, n, name1, seg1, name2, seg2);
        floats(op, name3, seg3, n);
    }

    static void softcap(MemorySegment x, long n, float cap) {
        nonNegative("softcap", "n", n);
        if (!(cap > 0) || Float.isInfinite(cap)) {
            throw new IllegalArgumentException("softcap: cap must be a positive finite number, got " + cap);
        }
        floats("softcap", "x", x, n);
    }

    static void toF32(MemorySegment out, Tensor src, long offset, long n) {
        String op = "toF32";
        notNull(op, "src", src);
        if (!src.dtype().isWeight()) {
            throw new IllegalArgumentException(op + ": " + src + " is not F32, BF16, F16 or Q8_0");
        }
        nonNegative(op, "offset", offset);
        nonNegative(op, "n", n);
        if (src.dtype() == DType.Q8_0 && (offset % src.dim(1) != 0 || n % src.dim(1) != 0)) {
            throw new IllegalArgumentException(op + ": elements [" + offset + ", " + (offset + n) + ") of " + src
                    + " are not whole rows (a Q8_0 matrix is read by rows)");
        }
        if (offset > src.elementCount() - n) {
            throw new IllegalArgumentException(op + ": elements [" + offset + ", " + (offset + n) + ") outside " + src
                    + " (" + src.elementCount() + " elements)");
        }
        floats(op, "out", out, n);
    }

    /** Element count of out, after checking that out, a and b are contiguous views of one shape. */
    static long sameShape(String op, io.paligemma.tensor.FloatMatrix out, io.paligemma.tensor.FloatMatrix a,
                          io.paligemma.tensor.FloatMatrix b) {
        if (a.rows() != out.rows() || b.rows() != out.rows() || a.columns() != out.columns() || b.columns() != out.columns()
                || !a.contiguous() || !b.contiguous() || !out.contiguous()) {
            throw new IllegalArgumentException(op + ": shapes " + a.rows() + "x" + a.columns() + ", " + b.rows() + "x"
                    + b.columns() + " -> " + out.rows() + "x" + out.columns() + " (contiguous, equal)");
        }
        return out.size();
    }
}
