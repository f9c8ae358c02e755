package io.paligemma.ops;

import java.lang.foreign.MemorySegment;

/** Size checks every op runs before touching memory: a wrong size is an IllegalArgumentException naming the op. */
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

    /**
     * seg holds a row-major f32 matrix [rows, cols] with row stride ld (in floats, &gt;= cols): the last
     * row needs only its cols.
     */
    static void matrix(String op, String name, MemorySegment seg, long rows, long cols, long ld) {
        nonNegative(op, name + " rows", rows);
        nonNegative(op, name + " cols", cols);
        if (ld < cols) {
            throw new IllegalArgumentException(op + ": " + name + " row stride " + ld + " < its " + cols + " columns");
        }
        long count = rows == 0 || cols == 0 ? 0 : Math.addExact(Math.multiplyExact(rows - 1, ld), cols);
        floats(op, name + " [" + rows + ", " + cols + "] stride " + ld, seg, count);
    }
}
