package io.paligemma.paligemma;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/** PaliGemmaMultiModalProjector: one linear layer from the vision width to the text width. */
final class PaliGemmaMultiModalProjector {
    static final String PREFIX = "multi_modal_projector";

    private final Ops ops;
    private final Linear linear; // [H, D] + [H]

    PaliGemmaMultiModalProjector(PaliGemmaConfig c, Weights w, Ops ops) {
        this.ops = ops;
        this.linear = Linear.load(w, PREFIX + ".linear", c.visionConfig().hiddenSize(), c.projectionDim(), true);
    }

    /** x [rows, D] → y [rows, H]. */
    void forward(FloatMatrix x, FloatMatrix y) {
        linear.forward(ops, x, y); // hidden_states = self.linear(image_features)
    }
}
