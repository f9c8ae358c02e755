package io.paligemma.ops;

import java.lang.foreign.MemorySegment;

/** Size checks made in Java before any kernel runs: a native out-of-bounds write would corrupt the process. */
final class Bounds {
    private Bounds() {
    }

    /** Requires room for {@code count} floats in {@code seg}. */
    static void floats(String op, String arg, MemorySegment seg, long count) {
        elements(op, arg, seg, count, Float.BYTES);
    }

    static void ints(String op, String arg, MemorySegment seg, long count) {
        elements(op, arg, seg, count, Integer.BYTES);
    }

    /** Requires room for a strided matrix: rows × cols used, rows placed ld apart. */
    static void matrix(String op, String arg, MemorySegment seg, long rows, long cols, long ld) {
        if (rows < 0 || cols < 0 || ld < cols) {
            throw new IllegalArgumentException(op + ": " + arg + " has rows=" + rows + " cols=" + cols + " ld=" + ld);
        }
        floats(op, arg, seg, rows == 0 ? 0 : (rows - 1) * ld + cols);
    }

    static void elements(String op, String arg, MemorySegment seg, long count, int size) {
        if (seg == null || count < 0) {
            throw new IllegalArgumentException(op + ": " + arg + " is " + (seg == null ? "null" : "negative count " + count));
        }
        if (seg.byteSize() < count * size) {
            throw new IllegalArgumentException(op + ": " + arg + " holds " + seg.byteSize() / size + " elements, needs " + count);
        }
    }

    static void positive(String op, String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(op + ": " + what + " must be > 0, got " + value);
        }
    }
}
