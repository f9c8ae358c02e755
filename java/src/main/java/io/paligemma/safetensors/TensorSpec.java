package io.paligemma.safetensors;

import io.paligemma.tensor.DType;
import java.util.Arrays;
import java.util.Objects;

/** Name, dtype and shape of one tensor to write; the data comes later through {@link SafetensorsWriter#write}. */
public record TensorSpec(String name, DType dtype, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec s && s.name.equals(name) && s.dtype == dtype && Arrays.equals(s.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
