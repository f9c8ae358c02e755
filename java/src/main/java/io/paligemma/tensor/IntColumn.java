package io.paligemma.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A view of int32 values, one per row of an activation (the first and one-past-last visible key of
 * each query row, say), starting at element {@code offset} of {@code segment}. Owns nothing; offsets in
 * elements.
 */
public record IntColumn(MemorySegment segment, long offset, int length) {

    public IntColumn {
        if (offset < 0 || length < 0 || (offset + length) * Integer.BYTES > segment.byteSize()) {
            throw new IllegalArgumentException("int view of " + length + " at element " + offset + " in a buffer of "
                    + segment.byteSize() / Integer.BYTES);
        }
    }

    public static IntColumn of(MemorySegment segment, int length) {
        return new IntColumn(segment, 0, length);
    }

    /** Elements [from, from + count). */
    public IntColumn slice(int from, int count) {
        if (from < 0 || count < 0 || from + count > length) {
            throw new IndexOutOfBoundsException("[" + from + ", " + (from + count) + ") of " + length + " values");
        }
        return new IntColumn(segment, offset + from, count);
    }

    public int get(int i) {
        return segment.getAtIndex(ValueLayout.JAVA_INT, check(i));
    }

    public void set(int i, int v) {
        segment.setAtIndex(ValueLayout.JAVA_INT, check(i), v);
    }

    /** A segment that starts at the first value and holds at least these values: what an op takes (no slice at offset 0). */
    public MemorySegment data() {
        return offset == 0 ? segment : segment.asSlice(offset * Integer.BYTES);
    }

    private long check(int i) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException(i + " of " + length + " values");
        }
        return offset + i;
    }
}
