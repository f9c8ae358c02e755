package io.paligemma.paligemma;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.GemmaModel;
import io.paligemma.gemma.KvCache;
import io.paligemma.nn.Probe;
import io.paligemma.nn.Quantization;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.safetensors.LoadMode;
import io.paligemma.siglip.SiglipVisionTransformer;
import io.paligemma.siglip.VisionWorkspace;
import io.paligemma.tensor.FloatMatrix;
import java.nio.file.Path;

/**
 * PaliGemmaForConditionalGeneration: SigLIP vision tower → linear projector → image features that
 * replace the image-token rows of the prompt → Gemma / Gemma 2 decoder with a prefix-LM mask.
 * Owns the mapped checkpoint; the modules hold views into it. Thread-safe: all per-request state
 * lives in workspaces that callers own.
 */
public final class PaliGemmaForConditionalGeneration implements AutoCloseable {
    private final PaliGemmaConfig config;
    private final Weights weights;
    private final SiglipVisionTransformer visionTower;
    private final PaliGemmaMultiModalProjector multiModalProjector;
    private final GemmaModel languageModel;
    private final float imageFeatureScale; // sqrt(text_config.hidden_size) in float32: the features are divided by it
    private final Ops ops;

    public PaliGemmaForConditionalGeneration(PaliGemmaConfig config, Weights weights, Ops ops) {
        this.config = config;
        this.weights = weights;
        this.visionTower = new SiglipVisionTransformer(config.visionConfig(), weights, ops);
        this.multiModalProjector = new PaliGemmaMultiModalProjector(config, weights, ops);
        this.languageModel = new GemmaModel(config.textConfig(), weights, ops);
        this.imageFeatureScale = (float) Math.sqrt(config.textConfig().hiddenSize());
        this.ops = ops;
    }

    /** Reads config.json and maps the safetensors of a Hugging Face checkpoint directory. */
    public static PaliGemmaForConditionalGeneration load(Path directory, Ops ops) {
        return load(directory, ops, Quantization.NONE);
    }

    /** The same, with the float matrices {@code quantization} selects quantized to int8 as they load. */
    public static PaliGemmaForConditionalGeneration load(Path directory, Ops ops, Quantization quantization) {
        return load(directory, ops, quantization, LoadMode.MMAP);
    }

    /** The same, with the files mapped or read into memory ({@link LoadMode}). */
    public static PaliGemmaForConditionalGeneration load(Path directory, Ops ops, Quantization quantization, LoadMode mode) {
        PaliGemmaConfig config = PaliGemmaConfig.read(directory);
        Checkpoint checkpoint = Checkpoint.open(directory, mode == LoadMode.COPY);
        Weights weights = new Weights(checkpoint, quantization);
        try {
            return new PaliGemmaForConditionalGeneration(config, weights, ops);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    public PaliGemmaConfig config() {
        return config;
    }

    public GemmaModel languageModel() {
        return languageModel;
    }

    public Weights weights() {
        return weights;
    }

    /** A vision workspace for up to {@code images} images per call. */
    public VisionWorkspace newVisionWorkspace(int images) {
        return new VisionWorkspace(config.visionConfig(), images);
    }

    /**
     * A decoder workspace for forwards of up to {@code maxRows} tokens, contexts of up to {@code maxContext}
     * tokens and logits of up to {@code logitRows} rows.
     */
    public DecoderWorkspace newDecoderWorkspace(int maxRows, int maxContext, int logitRows) {
        return new DecoderWorkspace(config.textConfig(), maxRows, maxContext, logitRows);
    }

    /** A KV cache of {@code capacity} positions for one sequence. */
    public KvCache newKvCache(int capacity) {
        return new KvCache(config.textConfig(), capacity);
    }

    /** The most sequences a decode step runs in one forward with each row computed as it would be alone. */
    public int maxDecodeRows() {
        return ops.maxDecodeRows();
    }

    public SiglipVisionTransformer visionTower() {
        return visionTower;
    }

    /**
     * get_image_features: vws.pixels() [images, 3, S, S] → features [images·N, H], the projector output
     * divided by sqrt(text_config.hidden_size).
     */
    public void imageFeatures(VisionWorkspace vws, int images, FloatMatrix features, Probe probe) {
        visionTower.forward(vws, images, probe);                                     // image_outputs = self.vision_tower(pixel_values)
        projectImageFeatures(vws, images, features, probe);
    }

    /** The second half of {@link #imageFeatures}: vws.output() → projector → / sqrt(H) → features [images·N, H]. */
    public void projectImageFeatures(VisionWorkspace vws, int images, FloatMatrix features, Probe probe) {
        int rows = images * config.numImageTokens();
        FloatMatrix out = features.rows(0, rows);
        multiModalProjector.forward(vws.output().rows(0, rows), out);                // self.multi_modal_projector(selected_image_feature)
        probe.record("multi_modal_projector", out.data(), images, config.numImageTokens(), config.projectionDim());
        // image_features / (hidden_size ** 0.5): a float32 division, as torch does it
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < out.columns(); c++) {
                out.set(r, c, out.get(r, c) / imageFeatureScale);
            }
        }
        probe.record("image_features", out.data(), images, config.numImageTokens(), config.projectionDim());
    }

    /**
     * inputs_embeds for a block of prompt tokens: embed_tokens(ids), with the rows of image tokens replaced
     * in order by the rows of {@code features} from {@code featureRow} on (masked_scatter), written to
     * act.inputs(). Without features (decode steps: transformers passes no pixel_values there) an image
     * token id is embedded like any other id, so a sampled {@code <image>} token is an ordinary next input,
     * not an error.
     *
     * @return the number of feature rows consumed
     */
    public int embed(int[] ids, int from, int count, FloatMatrix features, int featureRow, DecoderWorkspace act) {
        FloatMatrix inputs = act.inputs();
        if (count > inputs.rows()) {
            throw new IllegalArgumentException(count + " tokens for a workspace of " + inputs.rows() + " rows");
        }
        int used = 0;
        for (int t = 0; t < count; t++) {
            int id = ids[from + t];
            FloatMatrix row = inputs.row(t);
            if (id == config.imageTokenIndex() && features != null) {
                if (featureRow + used >= features.rows()) {
                    throw new IllegalArgumentException("the prompt has more <image> tokens than image features ("
                            + features.rows() + " rows)");
                }
                row.copyFrom(features.row(featureRow + used));
                used++;
            } else {
                languageModel.embed(id, row);
            }
        }
        return used;
    }

    @Override
    public void close() {
        weights.close();
    }
}
