package io.paligemma.detect;

import java.util.Arrays;

/**
 * A segmented object: {@code <loc>×4 <seg>×16 label}. {@code codes} are the 16 VQ-VAE codebook indices
 * (0..127) of the 4×4 code grid, row-major. {@code mask} is null until {@link VqVaeMaskDecoder#decode} fills it.
 */
public record Segmentation(String label, int[] loc, int[] codes, Box pixels, BinaryMask mask)
        implements DetectedObject {

    public Segmentation {
        loc = loc.clone();
        codes = codes.clone();
    }

    @Override
    public int[] loc() {
        return loc.clone();
    }

    @Override
    public int[] codes() {
        return codes.clone();
    }

    /** This object with its decoded mask. */
    public Segmentation withMask(BinaryMask m) {
        return new Segmentation(label, loc, codes, pixels, m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Segmentation s && s.label.equals(label) && Arrays.equals(s.loc, loc)
                && Arrays.equals(s.codes, codes) && s.pixels.equals(pixels) && java.util.Objects.equals(s.mask, mask);
    }

    @Override
    public int hashCode() {
        return (label.hashCode() * 31 + Arrays.hashCode(loc)) * 31 + Arrays.hashCode(codes);
    }

    @Override
    public String toString() {
        return "Segmentation[" + label + " loc=" + Arrays.toString(loc) + " codes=" + Arrays.toString(codes) + " "
                + pixels + (mask == null ? "" : " " + mask) + "]";
    }
}
