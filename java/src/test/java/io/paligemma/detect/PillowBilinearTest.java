package io.paligemma.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Small cases worked out by hand from Resample.c's formulas; the fixtures cover the 64×64 ones. */
class PillowBilinearTest {

    @Test
    void upsamplingClampsAtTheEdges() {
        // 2 → 4: centres 0.25, 0.75, 1.25, 1.75; weights (1), (.75, .25), (.25, .75), (1)
        assertArrayEquals(new float[] {1f, 1.25f, 1.75f, 2f}, PillowBilinear.resize(new float[] {1, 2}, 1, 2, 1, 4));
    }

    @Test
    void downsamplingWidensTheFilter() {
        // 4 → 2: scale 2, support 2; weights (3, 3, 1)/7 and (1, 3, 3)/7
        assertArrayEquals(new float[] {(float) (12.0 / 7), (float) (23.0 / 7)},
                PillowBilinear.resize(new float[] {1, 2, 3, 4}, 1, 4, 1, 2));
    }

    @Test
    void verticalPassOnlyAndCopy() {
        float[] col = {1, 2};
        assertArrayEquals(new float[] {1f, 1.25f, 1.75f, 2f}, PillowBilinear.resize(col, 2, 1, 4, 1));
        float[] img = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(img, PillowBilinear.resize(img, 2, 3, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> PillowBilinear.resize(img, 2, 3, 0, 3));
    }
}
