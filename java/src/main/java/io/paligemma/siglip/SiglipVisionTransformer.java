package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.LayerNorm;
import io.paligemma.nn.Probe;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * SiglipVisionTransformer without pooling head (vision_use_head = false, as in PaliGemma). {@link #forward}
 * is {@link #embeddings}, {@link #encoderLayers} over all layers, then {@link #postLayernorm}; a scheduler
 * calls them itself to spread one picture over several steps.
 */
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

    /** ws.pixels() [images, C, S, S] → ws.output() [images·N, D] (last_hidden_state). */
    public void forward(VisionWorkspace ws, int images, Probe probe) {
        embeddings(ws, images, probe);                                            // hidden_states = self.embeddings(pixel_values)
        encoderLayers(ws, images, 0, layers.size(), probe);                      // self.encoder(inputs_embeds=hidden_states)
        postLayernorm(ws, images, probe);                                        // last_hidden_state = self.post_layernorm(...)
    }

    /** Encoder layers in the tower. */
    public int numLayers() {
        return layers.size();
    }

    /** The first part of {@link #forward}: patch and position embeddings into the residual stream. */
    public void embeddings(VisionWorkspace ws, int images, Probe probe) {
        checkImages(ws, images);
        embeddings.forward(ws, images);                                           // hidden_states = self.embeddings(pixel_values)
        probe.record(PREFIX + ".embeddings", ws.hidden.data(), images, config.numPatches(), config.hiddenSize());
    }

    /** Encoder layers [from, to), after {@link #embeddings}. */
    public void encoderLayers(VisionWorkspace ws, int images, int from, int to, Probe probe) {
        checkImages(ws, images);
        if (from < 0 || from > to || to > layers.size()) {
            throw new IllegalArgumentException("encoder layers [" + from + ", " + to + ") of " + layers.size());
        }
        int rows = images * config.numPatches();
        for (int i = from; i < to; i++) {
            layers.get(i).forward(ws, images, rows);                              // encoder_layer(hidden_states)
            if (probe.enabled()) {                                                 // names and views only when recorded
                probe.record(PREFIX + ".encoder.layers." + i, ws.hidden.data(), images, config.numPatches(), config.hiddenSize());
            }
        }
    }

    /** The last part of {@link #forward}: post_layernorm into ws.output(). */
    public void postLayernorm(VisionWorkspace ws, int images, Probe probe) {
        checkImages(ws, images);
        int rows = images * config.numPatches();
        postLayernorm.forward(ops, ws.hidden.rows(0, rows), ws.normed.rows(0, rows)); // last_hidden_state = self.post_layernorm(...)
        probe.record(PREFIX + ".post_layernorm", ws.normed.data(), images, config.numPatches(), config.hiddenSize());
    }

    private static void checkImages(VisionWorkspace ws, int images) {
        if (images < 1 || images > ws.maxImages) {
            throw new IllegalArgumentException(images + " images for a vision workspace of " + ws.maxImages);
        }
    }
}
