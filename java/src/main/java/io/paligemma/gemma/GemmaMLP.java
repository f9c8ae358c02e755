package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/** GemmaMLP: down_proj(gelu_tanh(gate_proj(x)) · up_proj(x)). */
final class GemmaMLP {
    private final Ops ops;
    private final Linear gateProj; // [I, H]
    private final Linear upProj;   // [I, H]
    private final Linear downProj; // [H, I]

    GemmaMLP(GemmaConfig c, Weights w, String prefix, Ops ops) {
        this.ops = ops;
        this.gateProj = Linear.load(w, prefix + ".gate_proj", c.hiddenSize(), c.intermediateSize(), false);
        this.upProj = Linear.load(w, prefix + ".up_proj", c.hiddenSize(), c.intermediateSize(), false);
        this.downProj = Linear.load(w, prefix + ".down_proj", c.intermediateSize(), c.hiddenSize(), false);
    }

    /** act.normed [rows, H] → act.proj [rows, H]. */
    void forward(DecoderWorkspace act, int rows) {
        FloatMatrix x = act.normed.rows(0, rows);
        FloatMatrix gate = act.gate.rows(0, rows);
        FloatMatrix up = act.up.rows(0, rows);
        gateProj.forward(ops, x, gate);                            // self.gate_proj(x)
        upProj.forward(ops, x, up);                                // self.up_proj(x)
        ops.geglu(gate, gate, up);                                 // self.act_fn(gate) * up
        downProj.forward(ops, gate, act.proj.rows(0, rows));      // self.down_proj(...)
    }
}
