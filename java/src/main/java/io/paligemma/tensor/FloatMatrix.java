package io.paligemma.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A view of float32 activations: {@code rows × columns}, row-major, rows {@code stride} elements apart,
 * the first element at element {@code offset} of {@code segment}. Owns nothing (the segment belongs to a
 * workspace or a cache). Every offset and size is in elements, so model code names rows, heads and columns
 * and never computes a byte address; {@link #data()} is the one place that turns a view into the segment
 * an op takes.
 */
public record FloatMatrix(MemorySegment segment, long offset, int rows, int columns, int stride) {

    public FloatMatrix {
        if (rows < 0 || columns < 0 || offset < 0 || stride < columns) {
            throw new IllegalArgumentException("matrix view: " + rows + "×" + columns + " at element " + offset
                    + " with row stride " + stride);
        }
        long need = offset + span(rows, columns, stride);
        if (need * Float.BYTES > segment.byteSize()) {
            throw new IllegalArgumentException("matrix view of " + rows + "×" + columns + " (stride " + stride + ") at element "
                    + offset + " needs " + need + " floats; the buffer holds " + segment.byteSize() / Float.BYTES);
        }
    }

    /** The whole of a buffer as {@code rows × columns}, contiguous. */
    public static FloatMatrix of(MemorySegment segment, int rows, int columns) {
        return new FloatMatrix(segment, 0, rows, columns, columns);
    }

    /** Rows [from, from + count), same columns and stride. */
    public FloatMatrix rows(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of a " + rows + "-row view");
        }
        return new FloatMatrix(segment, offset + (long) from * stride, count, columns, stride);
    }

    /** Row r as a 1-row view. */
    public FloatMatrix row(int r) {
        return rows(r, 1);
    }

    /** Columns [from, from + count) of every row (one attention head, say); the stride stays. */
    public FloatMatrix columns(int from, int count) {
        if (from < 0 || count < 0 || from + count > columns) {
            throw new IndexOutOfBoundsException("columns [" + from + ", " + (from + count) + ") of a " + columns + "-column view");
        }
        return new FloatMatrix(segment, offset + from, rows, count, stride);
    }

    /** The same elements seen as {@code rows × columns} (contiguous views only). */
    public FloatMatrix reshape(int newRows, int newColumns) {
        requireContiguous("reshape");
        if ((long) newRows * newColumns != (long) rows * columns) {
            throw new IllegalArgumentException("cannot view " + rows + "×" + columns + " as " + newRows + "×" + newColumns);
        }
        return new FloatMatrix(segment, offset, newRows, newColumns, newColumns);
    }

    /** Whether the rows follow each other with no gap (a single row always does). */
    public boolean contiguous() {
        return stride == columns || rows <= 1;
    }

    /** Elements covered: rows × columns. */
    public long size() {
        return (long) rows * columns;
    }

    /**
     * The memory of the view for an op that takes a row stride: a segment that starts at the first element
     * and holds at least the rows (an op's own checks bound what it touches by its sizes). A view that
     * starts at element 0 gives its buffer itself: a slice is a heap object, and a decode step makes a few
     * thousand of these calls.
     */
    public MemorySegment data() {
        return offset == 0 ? segment : segment.asSlice(offset * Float.BYTES);
    }

    public float get(int r, int c) {
        return segment.getAtIndex(ValueLayout.JAVA_FLOAT, index(r, c));
    }

    public void set(int r, int c, float v) {
        segment.setAtIndex(ValueLayout.JAVA_FLOAT, index(r, c), v);
    }

    /** Copies src (same shape) into this view, row by row. */
    public void copyFrom(FloatMatrix src) {
        if (src.rows != rows || src.columns != columns) {
            throw new IllegalArgumentException("copy of a " + src.rows + "×" + src.columns + " view into a " + rows + "×" + columns + " one");
        }
        if (contiguous() && src.contiguous()) {
            MemorySegment.copy(src.segment, src.offset * Float.BYTES, segment, offset * Float.BYTES, size() * Float.BYTES);
            return;
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src.segment, (src.offset + (long) r * src.stride) * Float.BYTES,
                    segment, (offset + (long) r * stride) * Float.BYTES, (long) columns * Float.BYTES);
        }
    }

    /**
     * Copies {@code count} elements of row {@code srcRow} of src, from column {@code srcColumn}, to row
     * {@code dstRow} of dst from column {@code dstColumn}: one span, no view made (an im2col copies thousands).
     */
    public static void copySpan(FloatMatrix src, int srcRow, int srcColumn, FloatMatrix dst, int dstRow, int dstColumn,
                                int count) {
        if (count < 0 || srcColumn < 0 || dstColumn < 0 || srcColumn + count > src.columns || dstColumn + count > dst.columns) {
            throw new IndexOutOfBoundsException(count + " elements from column " + srcColumn + " of " + src.columns + " to column "
                    + dstColumn + " of " + dst.columns);
        }
        if (count > 0) {
            MemorySegment.copy(src.segment, src.index(srcRow, srcColumn) * Float.BYTES,
                    dst.segment, dst.index(dstRow, dstColumn) * Float.BYTES, (long) count * Float.BYTES);
        }
    }

    /** The elements row by row (a copy on the heap). */
    public float[] toArray() {
        float[] out = new float[Math.toIntExact(size())];
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, (offset + (long) r * stride) * Float.BYTES, out, r * columns, columns);
        }
        return out;
    }

    /** Writes {@code values} (rows × columns, row-major) into this view. */
    public void copyFrom(float[] values) {
        if (values.length != size()) {
            throw new IllegalArgumentException(values.length + " values for a " + rows + "×" + columns + " view");
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(values, r * columns, segment, ValueLayout.JAVA_FLOAT, (offset + (long) r * stride) * Float.BYTES, columns);
        }
    }

    private long index(int r, int c) {
        if (r < 0 || r >= rows || c < 0 || c >= columns) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") of a " + rows + "×" + columns + " view");
        }
        return offset + (long) r * stride + c;
    }

    private void requireContiguous(String what) {
        if (!contiguous()) {
            throw new IllegalStateException(what + " of a strided view (" + columns + " of " + stride + " columns)");
        }
    }

    private static long span(int rows, int columns, int stride) {
        return rows == 0 ? 0 : (long) (rows - 1) * stride + columns;
    }
}
