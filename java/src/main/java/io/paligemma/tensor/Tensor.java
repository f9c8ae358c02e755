package io.paligemma.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A typed, shaped view of memory owned by someone else (a mapped checkpoint or a workspace).
 * It owns nothing and is never closed; it is valid as long as its owner is open.
 * Row-major, contiguous. A {@link DType#Q8_0} matrix [rows, cols] also views its scales: IEEE halves
 * [rows, {@link Q8#blocks}(cols)] ({@code scales} is null for every other type).
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, MemorySegment scales) {

    /** A tensor of a plain (unquantized) type. */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, null);
    }

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
        if (dtype == DType.Q8_0) {
            if (shape.length != 2) {
                throw new IllegalArgumentException(name + ": a Q8_0 tensor is a matrix, got shape " + Arrays.toString(shape));
            }
            long want = Math.multiplyExact(shape[0], Q8.blocks(shape[1])) * 2;
            if (scales == null || scales.byteSize() != want) {
                throw new IllegalArgumentException(name + ": Q8_0" + Arrays.toString(shape) + " needs " + want
                        + " bytes of F16 scales, got " + (scales == null ? "none" : scales.byteSize()));
            }
        } else if (scales != null) {
            throw new IllegalArgumentException(name + ": only Q8_0 tensors have scales, not " + dtype);
        }
        shape = shape.clone();
    }

    /**
     * Element {@code i} (row-major) of an F32, BF16 or F16 tensor as a float32, exactly: the one place a
     * stored float element is widened outside the op kernels.
     */
    public float floatAt(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
            default -> throw new IllegalArgumentException(name + ": " + dtype + " is not a float type");
        };
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
                && t.data.equals(data) && java.util.Objects.equals(t.scales, scales);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
