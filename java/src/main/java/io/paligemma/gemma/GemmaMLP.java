package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;

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

    /** ws.normed [rows, H] → ws.proj [rows, H]. */
    void forward(DecoderWorkspace ws, int rows) {
        gateProj.forward(ops, ws.normed, rows, ws.gate);                            // self.gate_proj(x)
        upProj.forward(ops, ws.normed, rows, ws.up);                                // self.up_proj(x)
        ops.geglu(ws.gate, ws.gate, ws.up, (long) rows * gateProj.outFeatures());   // self.act_fn(gate) * up
        downProj.forward(ops, ws.gate, rows, ws.proj);                              // self.down_proj(...)
    }
}
