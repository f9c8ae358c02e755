package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The int8 accuracy metrics on logits whose answers are known in closed form. */
class LogitMetricsTest {

    @Test
    void identicalLogitsHaveNoErrorFullAgreementAndZeroKl() {
        float[] a = {1, 2, 3, -1, 0.5f, 0.25f};
        LogitMetrics m = LogitMetrics.of(a.clone(), a, 3);
        assertEquals(0, m.maxRelError());
        assertEquals(2, m.agreeing());
        assertEquals(2, m.rows());
        assertEquals(0, m.meanKl(), 1e-15);
    }

    @Test
    void errorIsRelativeToTheLargestReferenceLogitAndAgreementCountsArgmaxes() {
        float[] ref = {4, 1, 0, /* row 2 */ 0, 2, 1};
        float[] got = {4, 1.5f, 0, /* row 2: argmax moves to column 2 */ 0, 2, 2.5f};
        LogitMetrics m = LogitMetrics.of(got, ref, 3);
        assertEquals(1.5 / 4, m.maxRelError(), 1e-12);
        assertEquals(1, m.agreeing());
        assertEquals(0.5, m.agreement());
    }

    @Test
    void klOfTwoPointDistributionsMatchesTheFormula() {
        // p = softmax(0, ln 3) = (1/4, 3/4), q = softmax(0, 0) = (1/2, 1/2): KL = 1/4 ln(1/2) + 3/4 ln(3/2)
        float[] p = {0, (float) Math.log(3)};
        float[] q = {5, 5}; // a shift of every logit changes nothing
        double want = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
        assertEquals(want, LogitMetrics.of(q, p, 2).meanKl(), 1e-7);
        // two rows, one with that KL and one with none: the mean is half of it
        float[] q2 = {5, 5, 0, (float) Math.log(3)};
        float[] p2 = {0, (float) Math.log(3), 0, (float) Math.log(3)};
        LogitMetrics both = LogitMetrics.of(q2, p2, 2);
        assertEquals(want / 2, both.meanKl(), 1e-7, "the mean over rows");
        assertEquals(2, both.rows());
    }

    @Test
    void mismatchedShapesAreAnError() {
        assertThrows(IllegalArgumentException.class, () -> LogitMetrics.of(new float[4], new float[6], 2));
        assertThrows(IllegalArgumentException.class, () -> LogitMetrics.of(new float[5], new float[5], 2));
    }
}
