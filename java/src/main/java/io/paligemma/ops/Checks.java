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

    /**
     * seg holds at least {@code count} elements of {@code elementBytes} bytes and is alive: a segment of a
     * closed arena would fail inside the generated binding as an AssertionError, so it is named here.
     */
    static void elements(String op, String name, MemorySegment seg, long count, int elementBytes) {
        notNull(op, name, seg);
        if (count < 0 || count > Long.MAX_VALUE / elementBytes) {
            throw new IllegalArgumentException(op + ": " + name + ": " + count + " elements of " + elementBytes
                    + " bytes is not a possible size");
        }
        long need = count * elementBytes;
        if (seg.byteSize() < need) {
            throw new IllegalArgumentException(op + ": " + name + " has " + seg.byteSize() + " bytes, needs " + need
                    + " (" + count + " elements)");
        }
        aligned(op, "", name, seg, elementBytes);
        alive(op, "", name, seg);
    }

    /**
     * seg starts at a multiple of its element size: the C kernels read a float as a float (a misaligned one is
     * undefined behaviour there, which UBSan reports), and Weights copies a tensor a checkpoint stores at an
     * odd offset into aligned memory once, at load. The name comes in two parts ({@code what + name}), joined
     * only when the check fails: the weight checks run for every product of every decode step.
     */
    static void aligned(String op, String what, String name, MemorySegment seg, int elementBytes) {
        if (seg.address() % elementBytes != 0) {
            throw new IllegalArgumentException(op + ": " + what + name + " is not aligned to its " + elementBytes
                    + "-byte elements (address 0x" + Long.toHexString(seg.address()) + ")");
        }
    }

    /** seg's arena is open; the name's two parts are joined as in {@link #aligned}. */
    static void alive(String op, String what, String name, MemorySegment seg) {
        if (!seg.scope().isAlive()) {
            throw new IllegalStateException(op + ": " + what + name + " is memory of a closed arena (a closed model or "
                    + "workspace)");
        }
    }

    /**
     * An output the kernels write: native code writing a read-only mapping (a checkpoint's weights) would be
     * a SIGSEGV, so a read-only segment is refused here.
     */
    static void writable(String op, String name, MemorySegment seg) {
        if (seg != null && seg.isReadOnly()) {
            throw new IllegalArgumentException(op + ": " + name + " is read-only (an output must be writable memory)");
        }
    }

    static void floats(String op, String name, MemorySegment seg, long count) {
        elements(op, name, seg, count, 4);
    }

    /** The passing case of {@link #floats}, without building anything. */
    private static boolean holdsFloats(MemorySegment seg, long count) {
        return seg != null && count >= 0 && count <= Long.MAX_VALUE / 4 && seg.byteSize() >= count * 4
                && (seg.address() & 3) == 0 && seg.scope().isAlive();
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

    /** Floats a [rows, cols] matrix with stride ld spans; Long.MAX_VALUE (never held) when that overflows. */
    private static long matrixFloats(long rows, long cols, long ld) {
        if (rows == 0 || cols == 0) {
            return 0;
        }
        try {
            return Math.addExact(Math.multiplyExact(rows - 1, ld), cols);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
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
        writable(op, "y", y);
        weight(op, w);
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
        writable("matmulTransB", "c", c);
    }

    static void matmul(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k) {
        matrix("matmul", "a", a, m, k, lda);
        matrix("matmul", "b", b, k, n, ldb);
        matrix("matmul", "c", c, m, n, ldc);
        writable("matmul", "c", c);
    }

    static void softmaxRows(MemorySegment x, int rows, int cols, int ld, MemorySegment keyLo, MemorySegment keyHi) {
        matrix("softmaxRows", "x", x, rows, cols, ld);
        elements("softmaxRows", "keyLo", keyLo, rows, 4);
        elements("softmaxRows", "keyHi", keyHi, rows, 4);
        writable("softmaxRows", "x", x);
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
        writable(op, "x", x);
    }

    /** rmsNorm (bias null) and layerNorm. */
    static void norm(String op, MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias, int rows,
                     int dim, boolean withBias) {
        long count = (long) rows * dim;
        writable(op, "out", out);
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

    /**
     * Element-wise ops over n floats: each segment with its name, the last one the output (fixed arities:
     * varargs would allocate).
     */
    static void elementwise(String op, long n, String out, MemorySegment outSeg) {
        nonNegative(op, "n", n);
        floats(op, out, outSeg, n);
        writable(op, out, outSeg);
    }

    static void elementwise(String op, long n, String name1, MemorySegment seg1, String out, MemorySegment outSeg) {
        nonNegative(op, "n", n);
        floats(op, name1, seg1, n);
        elementwise(op, n, out, outSeg);
    }

    static void elementwise(String op, long n, String name1, MemorySegment seg1, String name2, MemorySegment seg2,
                            String out, MemorySegment outSeg) {
        nonNegative(op, "n", n);
        floats(op, name1, seg1, n);
        floats(op, name2, seg2, n);
        elementwise(op, n, out, outSeg);
    }

    static void softcap(MemorySegment x, long n, float cap) {
        nonNegative("softcap", "n", n);
        if (!(cap > 0) || Float.isInfinite(cap)) {
            throw new IllegalArgumentException("softcap: cap must be a positive finite number, got " + cap);
        }
        floats("softcap", "x", x, n);
        writable("softcap", "x", x);
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
        writable(op, "out", out);
        weight(op, src);
    }

    /** A weight's data (and Q8_0 scales) alive and aligned to its element size. */
    private static void weight(String op, Tensor w) {
        aligned(op, "weight ", w.name(), w.data(), w.dtype().size);
        alive(op, "weight ", w.name(), w.data());
        if (w.scales() != null) {
            aligned(op, "scales of ", w.name(), w.scales(), 2);
            alive(op, "scales of ", w.name(), w.scales());
        }
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
