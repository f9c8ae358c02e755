package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/** SiglipMLP: fc2(gelu_tanh(fc1(x))). */
final class SiglipMLP {
    private final Ops ops;
    private final Linear fc1; // [I, D] + [I]
    private final Linear fc2; // [D, I] + [D]

    SiglipMLP(SiglipVisionConfig c, Weights w, String prefix, Ops ops) {
        this.ops = ops;
        this.fc1 = Linear.load(w, prefix + ".fc1", c.hiddenSize(), c.intermediateSize(), true);
        this.fc2 = Linear.load(w, prefix + ".fc2", c.intermediateSize(), c.hiddenSize(), true);
    }

    /** ws.normed [rows, D] → out [rows, D]. */
    void forward(VisionWorkspace ws, int rows, FloatMatrix out) {
        FloatMatrix hidden = ws.mlp.rows(0, rows);
        fc1.forward(ops, ws.normed.rows(0, rows), hidden);                    // hidden_states = self.fc1(hidden_states)
        ops.geluTanh(hidden);                                                 // self.activation_fn(hidden_states)
        fc2.forward(ops, hidden, out);                                        // self.fc2(hidden_states)
    }
}
