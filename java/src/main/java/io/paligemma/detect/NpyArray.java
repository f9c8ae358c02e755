package io.paligemma.detect;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One array of a {@code .npy} file: its header fields and raw data bytes. Only little-endian float32 in
 * C order can be turned into floats; that is what {@code np.save} writes for a float32 PyTorch tensor.
 */
public record NpyArray(String name, String descr, boolean fortranOrder, long[] shape, byte[] data) {

    public NpyArray {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The data as floats; throws naming the array unless it is {@code '<f4'}, C order, of shape {@code expected}. */
    public float[] toFloats(long... expected) {
        if (!descr.equals("<f4")) {
            throw new IllegalArgumentException(name + ": dtype '" + io.paligemma.text.Untrusted.clean(descr)
                    + "' is not supported (needs '<f4', float32)");
        }
        if (fortranOrder) {
            throw new IllegalArgumentException(name + ": fortran_order arrays are not supported (needs C order)");
        }
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape) + ", expected "
                    + Arrays.toString(expected));
        }
        float[] out = new float[Math.toIntExact(elementCount())];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Override
    public String toString() {
        return name + " " + descr + Arrays.toString(shape) + (fortranOrder ? " F" : "");
    }
}
