package io.paligemma.paligemma;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.GemmaModel;
import io.paligemma.nn.Probe;
import io.paligemma.nn.Quantization;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.safetensors.LoadMode;
import io.paligemma.siglip.SiglipVisionTransformer;
import io.paligemma.siglip.VisionWorkspace;
import java.lang.foreign.MemorySegment;
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
    private final float imageFeatureScale; // 1 / sqrt(text_config.hidden_size), float32

    public PaliGemmaForConditionalGeneration(PaliGemmaConfig config, Weights weights, Ops ops) {
        this.config = config;
        this.weights = weights;
        this.visionTower = new SiglipVisionTransformer(config.visionConfig(), weights, ops);
        this.multiModalProjector = new PaliGemmaMultiModalProjector(config, weights, ops);
        this.languageModel = new GemmaModel(config.textConfig(), weights, ops);
        this.imageFeatureScale = (float) Math.sqrt(config.textConfig().hiddenSize());
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

    /** A decoder workspace for prompts of up to maxPrompt tokens and contexts of up to capacity tokens. */
    public DecoderWorkspace newDecoderWorkspace(int maxPrompt, int capacity, int logitRows) {
        return new DecoderWorkspace(config.textConfig(), maxPrompt, capacity, logitRows);
    }

    /**
     * get_image_features: pixel_values [images, 3, S, S] → features [images·N, H], the projector output
     * divided by sqrt(text_config.hidden_size).
     */
    public void imageFeatures(MemorySegment pixelValues, int images, VisionWorkspace vws, MemorySegment features,
                              Probe probe) {
        visionTower(pixelValues, images, vws, probe);
        projectImageFeatures(vws, images, features, probe);
    }

    /** The first half of {@link #imageFeatures}: the vision tower alone, into vws.output() [images·N, D]. */
    public void visionTower(MemorySegment pixelValues, int images, VisionWorkspace vws, Probe probe) {
        visionTower.forward(pixelValues, images, vws, probe);                         // image_outputs = self.vision_tower(pixel_values)
    }

    /** The second half of {@link #imageFeatures}: vws.output() → projector → / sqrt(H) → features [images·N, H]. */
    public void projectImageFeatures(VisionWorkspace vws, int images, MemorySegment features, Probe probe) {
        int rows = images * config.numImageTokens();
        multiModalProjector.forward(vws.output(), rows, features);                    // self.multi_modal_projector(selected_image_feature)
        probe.record("multi_modal_projector", features, images, config.numImageTokens(), config.projectionDim());
        // image_features / (hidden_size ** 0.5): a float32 division, as torch does it
        long n = (long) rows * config.projectionDim();
        for (long i = 0; i < n; i++) {
            float f = features.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            features.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, f / imageFeatureScale);
        }
        probe.record("image_features", features, images, config.numImageTokens(), config.projectionDim());
    }

    /**
     * inputs_embeds for a block of prompt tokens: embed_tokens(ids), with the rows of image tokens replaced
     * in order by the rows of {@code features} (masked_scatter), written to ws.inputs(). Without features
     * (decode steps: transformers passes no pixel_values there) an image token id is embedded like any other
     * id, so a sampled {@code <image>} token is an ordinary next input, not an error.
     *
     * @return the number of feature rows consumed
     */
    public int embed(int[] ids, int from, int count, MemorySegment features, int featureRow, DecoderWorkspace ws) {
        int h = config.textConfig().hiddenSize();
        long rowBytes = (long) h * Float.BYTES;
        int used = 0;
        for (int t = 0; t < count; t++) {
            int id = ids[from + t];
            MemorySegment row = ws.inputs().asSlice(t * rowBytes, rowBytes);
            if (id == config.imageTokenIndex() && features != null) {
                long src = (long) (featureRow + used) * rowBytes;
                if (src + rowBytes > features.byteSize()) {
                    throw new IllegalArgumentException("the prompt has more <image> tokens than image features ("
                            + features.byteSize() / rowBytes + " rows)");
                }
                MemorySegment.copy(features, src, row, 0, rowBytes);
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
