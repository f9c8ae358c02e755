package io.paligemma.nn;

import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;

/** torch.nn.LayerNorm with affine weight [dim] and bias [dim] (f32). */
public record LayerNorm(MemorySegment weight, MemorySegment bias, int dim, float eps) {

    public static LayerNorm load(Weights w, String prefix, int dim, double eps) {
        return new LayerNorm(w.vector(prefix + ".weight", dim), w.vector(prefix + ".bias", dim), dim, (float) eps);
    }

    public void forward(Ops ops, MemorySegment x, int rows, MemorySegment out) {
        ops.layerNorm(out, x, weight, bias, rows, dim, eps);
    }
}
