package io.paligemma.detect;

import java.util.Arrays;

/** A 0/1 mask over a whole image, row-major: {@code data[y * width + x]}. */
public record BinaryMask(int width, int height, byte[] data) {

    public BinaryMask {
        if (width <= 0 || height <= 0 || data.length != (long) width * height) {
            throw new IllegalArgumentException("mask of " + width + "x" + height + " needs " + (long) width * height
                    + " bytes, got " + data.length);
        }
    }

    public boolean get(int x, int y) {
        return data[y * width + x] != 0;
    }

    /** Number of pixels set. */
    public int ones() {
        int n = 0;
        for (byte b : data) {
            n += b != 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * Alternating 0/1 run lengths over the row-major mask, the first run of zeros (maybe 0 long): what
     * {@link ResultJson} prints as {@code mask.rle} and the Spark module's objects column carries.
     */
    public int[] runLengths() {
        java.util.List<Integer> runs = new java.util.ArrayList<>();
        boolean current = false;
        int len = 0;
        for (byte v : data) {
            boolean one = v != 0;
            if (one != current) {
                runs.add(len);
                current = one;
                len = 0;
            }
            len++;
        }
        runs.add(len);
        return runs.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryMask m && m.width == width && m.height == height && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "BinaryMask[" + width + "x" + height + ", ones=" + ones() + "]";
    }
}
