package io.paligemma.detect;

import java.util.Arrays;

/** A detected object: {@code <loc>×4 label}. */
public record Detection(String label, int[] loc, Box pixels) implements DetectedObject {

    public Detection {
        loc = loc.clone();
    }

    @Override
    public int[] loc() {
        return loc.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Detection d && d.label.equals(label) && Arrays.equals(d.loc, loc) && d.pixels.equals(pixels);
    }

    @Override
    public int hashCode() {
        return label.hashCode() * 31 + Arrays.hashCode(loc);
    }

    @Override
    public String toString() {
        return "Detection[" + label + " loc=" + Arrays.toString(loc) + " " + pixels + "]";
    }
}
