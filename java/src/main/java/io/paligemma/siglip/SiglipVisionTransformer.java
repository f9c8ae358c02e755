package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.LayerNorm;
import io.paligemma.nn.Probe;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** SiglipVisionTransformer without pooling head (vision_use_head = false, as in PaliGemma). */
public final class SiglipVisionTransformer {
    /** The HF module path of the tower, used for checkpoint keys and probe names. */
    public static final String PREFIX = "vision_tower.vision_model";

    private final SiglipVisionConfig config;
    private final Ops ops;
    private final SiglipVisionEmbeddings embeddings;
    private final List<SiglipEncoderLayer> layers;
    private final LayerNorm postLayernorm; // [D], [D]

    public SiglipVisionTransformer(SiglipVisionConfig c, Weights w, Ops ops) {
        this.config = c;
        this.ops = ops;
        this.embeddings = new SiglipVisionEmbeddings(c, w, PREFIX + ".embeddings", ops);
        this.layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new SiglipEncoderLayer(c, w, PREFIX + ".encoder.layers." + i, ops));
        }
        this.postLayernorm = LayerNorm.load(w, PREFIX + ".post_layernorm", c.hiddenSize(), c.layerNormEps());
    }

    public SiglipVisionConfig config() {
        return config;
    }

    /** pixels [images, C, S, S] → ws.output() [images·N, D] (last_hidden_state). */
    public void forward(MemorySegment pixels, int images, VisionWorkspace ws, Probe probe) {
        if (images < 1 || images > ws.maxImages) {
            throw new IllegalArgumentException(images + " images for a vision workspace of " + ws.maxImages);
        }
        int rows = images * config.numPatches();
        int d = config.hiddenSize();
        embeddings.forward(pixels, images, ws);                                   // hidden_states = self.embeddings(pixel_values)
        probe.record(PREFIX + ".embeddings", ws.hidden, images, config.numPatches(), d);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(ws, images, rows);                              // encoder_layer(hidden_states)
            probe.record(PREFIX + ".encoder.layers." + i, ws.hidden, images, config.numPatches(), d);
        }
        postLayernorm.forward(ops, ws.hidden, rows, ws.normed);                 // last_hidden_state = self.post_layernorm(...)
        probe.record(PREFIX + ".post_layernorm", ws.normed, images, config.numPatches(), d);
    }
}
