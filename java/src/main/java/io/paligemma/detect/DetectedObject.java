package io.paligemma.detect;

/** One object of a parsed PaliGemma answer: a box with a label, and for segmentation also a mask code. */
public sealed interface DetectedObject permits Detection, Segmentation {

    /** The label text after the tokens, trimmed; empty when the answer had none. */
    String label();

    /** The four loc values y0, x0, y1, x1 (0..1023), a copy. */
    int[] loc();

    /** The box in image pixels (see {@link Box#fromLoc}). */
    Box pixels();
}
