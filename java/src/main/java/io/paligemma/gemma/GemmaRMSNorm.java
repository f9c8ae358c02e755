package io.paligemma.gemma;

import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;

/** GemmaRMSNorm: x · rsqrt(mean(x²) + eps) · (1 + w), in float32. */
record GemmaRMSNorm(MemorySegment weight, int dim, float eps) { // weight [dim] f32

    static GemmaRMSNorm load(Weights w, String key, int dim, double eps) {
        return new GemmaRMSNorm(w.vector(key + ".weight", dim), dim, (float) eps);
    }

    void forward(Ops ops, MemorySegment x, int rows, MemorySegment out) {
        ops.rmsNorm(out, x, weight, rows, dim, eps);
    }
}
