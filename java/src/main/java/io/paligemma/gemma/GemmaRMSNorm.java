package io.paligemma.gemma;

import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;
import java.lang.foreign.MemorySegment;

/** GemmaRMSNorm: x · rsqrt(mean(x²) + eps) · (1 + w), in float32. */
record GemmaRMSNorm(MemorySegment weight, int dim, float eps) { // weight [dim] f32

    static GemmaRMSNorm load(Weights w, String key, int dim, double eps) {
        return new GemmaRMSNorm(w.vector(key + ".weight", dim), dim, (float) eps);
    }

    /** out [rows, dim] = norm(x [rows, dim]). */
    void forward(Ops ops, FloatMatrix x, FloatMatrix out) {
        ops.rmsNorm(out, x, weight, eps);
    }
}
