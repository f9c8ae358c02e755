package io.paligemma.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A typed, shaped view of memory owned by someone else (a mapped checkpoint or a workspace).
 * It owns nothing and is never closed; it is valid as long as its owner is open.
 * Row-major, contiguous.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    public Tensor {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        long bytes = Math.multiplyExact(count, (long) dtype.size);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + dtype + Arrays.toString(shape)
                    + " (needs " + bytes + ")");
        }
        shape = shape.clone();
    }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Throws a clear error unless this tensor has exactly {@code expected} as its shape. */
    public Tensor expectShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected));
        }
        return this;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
