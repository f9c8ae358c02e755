package io.paligemma.nn;

import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/** torch.nn.Linear: y = x·Wᵀ + b, W [out, in] a view into the checkpoint, b [out] f32 or null. */
public record Linear(Tensor weight, MemorySegment bias) {

    public static Linear load(Weights w, String prefix, int in, int out, boolean withBias) {
        return new Linear(w.matrix(prefix + ".weight", out, in), withBias ? w.vector(prefix + ".bias", out) : null);
    }

    public int inFeatures() {
        return (int) weight.dim(1);
    }

    public int outFeatures() {
        return (int) weight.dim(0);
    }

    /** y [rows, out] = x [rows, in]·Wᵀ + b; both views contiguous. */
    public void forward(Ops ops, FloatMatrix x, FloatMatrix y) {
        if (x.columns() != inFeatures() || y.columns() != outFeatures() || y.rows() != x.rows()
                || !x.contiguous() || !y.contiguous()) {
            throw new IllegalArgumentException(weight.name() + ": " + x.rows() + "×" + x.columns() + " → " + y.rows() + "×"
                    + y.columns() + " for a [" + outFeatures() + ", " + inFeatures() + "] weight (contiguous views)");
        }
        ops.linear(x.data(), x.rows(), inFeatures(), weight, bias, y.data());
    }
}
