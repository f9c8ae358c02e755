package io.paligemma.conformance;

/**
 * How far the logits of a reduced precision (int8 weights, bf16 compute) are from a float32 reference,
 * over a set of rows of [rows, V] logits: the largest |Δ logit| relative to the largest |reference
 * logit|, the fraction of rows whose argmax agrees, and the mean KL divergence KL(p_ref ‖ p_test) of the
 * next-token distributions (nats).
 */
public record LogitMetrics(double maxRelError, int agreeing, int rows, double meanKl) {

    /** The metrics of {@code actual} against {@code reference}, both [rows, v] row-major. */
    public static LogitMetrics of(float[] actual, float[] reference, int v) {
        if (actual.length != reference.length || v <= 0 || reference.length % v != 0) {
            throw new IllegalArgumentException("logits of " + actual.length + " and " + reference.length
                    + " values are not the same [rows, " + v + "]");
        }
        int rows = reference.length / v;
        double maxErr = 0;
        double maxRef = 0;
        int agree = 0;
        double kl = 0;
        for (int r = 0; r < rows; r++) {
            int off = r * v;
            for (int j = 0; j < v; j++) {
                maxErr = Math.max(maxErr, Math.abs((double) actual[off + j] - reference[off + j]));
                maxRef = Math.max(maxRef, Math.abs(reference[off + j]));
            }
            if (Compare.argmax(actual, off, v) == Compare.argmax(reference, off, v)) {
                agree++;
            }
            kl += kl(reference, actual, off, v);
        }
        return new LogitMetrics(maxRef > 0 ? maxErr / maxRef : maxErr, agree, rows, rows > 0 ? kl / rows : 0);
    }

    /** KL(softmax(p) ‖ softmax(q)) of one row, in double with the max shifted out. */
    static double kl(float[] p, float[] q, int off, int v) {
        double maxP = Double.NEGATIVE_INFINITY;
        double maxQ = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            maxP = Math.max(maxP, p[off + j]);
            maxQ = Math.max(maxQ, q[off + j]);
        }
        double zp = 0;
        double zq = 0;
        for (int j = 0; j < v; j++) {
            zp += Math.exp(p[off + j] - maxP);
            zq += Math.exp(q[off + j] - maxQ);
        }
        double logZp = Math.log(zp) + maxP;
        double logZq = Math.log(zq) + maxQ;
        double kl = 0;
        for (int j = 0; j < v; j++) {
            double lp = p[off + j] - logZp;
            double lq = q[off + j] - logZq;
            kl += Math.exp(lp) * (lp - lq);
        }
        return Math.max(0, kl);
    }

    public double agreement() {
        return rows == 0 ? 1 : (double) agreeing / rows;
    }
}
