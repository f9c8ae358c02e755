package io.paligemma.nn;

import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.IntColumn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Owner of off-heap buffers: each buffer is carved once, at construction of the workspace or cache that
 * extends this, and released together on {@link #close()}. Shared arena, because the compute pool's
 * threads write into the buffers.
 */
public abstract class Scratch implements AutoCloseable {

    /** Cache-line alignment (and a full AVX-512 vector). */
    private static final long ALIGN = 64;

    private final Arena arena = Arena.ofShared();
    private long bytes;

    /** A zeroed float32 buffer [rows, columns]. */
    protected final FloatMatrix matrix(long rows, long columns) {
        return FloatMatrix.of(floats(Math.multiplyExact(rows, columns)), Math.toIntExact(rows), Math.toIntExact(columns));
    }

    /** A zeroed int32 buffer of one value per row. */
    protected final IntColumn intColumn(int rows) {
        return IntColumn.of(ints(rows), rows);
    }

    protected final MemorySegment floats(long count) {
        bytes += count * Float.BYTES;
        return arena.allocate(Math.max(1, count) * Float.BYTES, ALIGN);
    }

    protected final MemorySegment ints(long count) {
        bytes += count * Integer.BYTES;
        return arena.allocate(Math.max(1, count) * Integer.BYTES, ALIGN);
    }

    /** Bytes of buffers held. */
    public long byteSize() {
        return bytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
