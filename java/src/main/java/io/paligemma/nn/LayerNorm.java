package io.paligemma.nn;

import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;
import java.lang.foreign.MemorySegment;

/** torch.nn.LayerNorm with affine weight [dim] and bias [dim] (f32). */
public record LayerNorm(MemorySegment weight, MemorySegment bias, int dim, float eps) {

    public static LayerNorm load(Weights w, String prefix, int dim, double eps) {
        return new LayerNorm(w.vector(prefix + ".weight", dim), w.vector(prefix + ".bias", dim), dim, (float) eps);
    }

    /** out [rows, dim] = LayerNorm(x [rows, dim]). */
    public void forward(Ops ops, FloatMatrix x, FloatMatrix out) {
        if (x.columns() != dim) {
            throw new IllegalArgumentException("LayerNorm(" + dim + ") of rows of " + x.columns());
        }
        ops.layerNorm(out, x, weight, bias, eps);
    }
}
