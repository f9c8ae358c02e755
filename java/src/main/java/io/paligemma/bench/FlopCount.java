package io.paligemma.bench;

import io.paligemma.config.GemmaConfig;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;

/**
 * Floating-point operations of each stage, counted from the config's shapes the way the model computes
 * them: 2·m·k·n per matrix product (every linear layer and both attention products, over the keys the
 * code multiplies: all of them for the bidirectional prefix, slots [0, s] for a decode step at slot s).
 * Norms, softmax, activations and RoPE are left out (a few percent at most). Also the weight bytes a
 * decode step streams.
 */
public final class FlopCount {
    private FlopCount() {
    }

    /** The SigLIP tower on {@code images} pictures: patch embedding + every encoder layer. */
    public static double vision(SiglipVisionConfig c, int images) {
        double n = c.numPatches();
        double d = c.hiddenSize();
        double patch = 2 * n * ((double) c.numChannels() * c.patchSize() * c.patchSize()) * d;
        double projections = 4 * (2 * n * d * d);           // q, k, v, out_proj
        double attention = 2 * (2 * n * n * d);             // q·kᵀ and p·v over all heads
        double mlp = 2 * (2 * n * d * c.intermediateSize()); // fc1, fc2
        return images * (patch + c.numHiddenLayers() * (projections + attention + mlp));
    }

    /** The projector on the image tokens of {@code images} pictures. */
    public static double projector(PaliGemmaConfig c, int images) {
        return 2.0 * images * c.numImageTokens() * c.visionConfig().hiddenSize() * c.projectionDim();
    }

    /** One decoder pass over {@code rows} tokens whose attention spans {@code keys} keys, plus one row of logits. */
    public static double decoderPass(GemmaConfig c, long rows, long keys) {
        double h = c.hiddenSize();
        double qd = (double) c.numAttentionHeads() * c.headDim();
        double kvd = (double) c.numKeyValueHeads() * c.headDim();
        double projections = 2 * rows * h * qd + 2 * (2 * rows * h * kvd) + 2 * rows * qd * h;
        double attention = c.numAttentionHeads() * 2 * (2.0 * rows * keys * c.headDim());
        double mlp = 3 * (2 * rows * h * c.intermediateSize());
        double head = 2 * h * c.vocabSize();
        return c.numHiddenLayers() * (projections + attention + mlp) + head;
    }

    /** Prefill of a prompt of {@code promptTokens} tokens (one pass, every token sees the whole prefix). */
    public static double prefill(GemmaConfig c, int promptTokens) {
        return decoderPass(c, promptTokens, promptTokens);
    }

    /** {@code tokens} decode steps after a prompt of {@code promptTokens}: the step at slot s attends to s + 1 keys. */
    public static double decode(GemmaConfig c, int promptTokens, int tokens) {
        double sum = 0;
        for (int i = 0; i < tokens; i++) {
            long slot = promptTokens + i;
            sum += decoderPass(c, 1, slot + 1);
        }
        return sum;
    }

    /** Time to first token: vision + projector + prefill, one image. */
    public static double timeToFirstToken(PaliGemmaConfig c, int promptTokens) {
        return vision(c.visionConfig(), 1) + projector(c, 1) + prefill(c.textConfig(), promptTokens);
    }

    /**
     * Matrix weight bytes one decode step reads: every decoder layer's q, k, v, o, gate, up, down and the
     * LM head [V, H] (the tied embedding), at {@code bytesPerWeight} ({@link #bytesPerWeight}). Norm
     * vectors and the KV cache are left out (well under 1 %).
     */
    public static double decodeWeightBytes(GemmaConfig c, double bytesPerWeight) {
        double h = c.hiddenSize();
        double qd = (double) c.numAttentionHeads() * c.headDim();
        double kvd = (double) c.numKeyValueHeads() * c.headDim();
        double perLayer = h * qd + 2 * h * kvd + qd * h + 3 * h * c.intermediateSize();
        return bytesPerWeight * (c.numHiddenLayers() * perLayer + h * c.vocabSize());
    }

    /**
     * Bytes a matrix of this type takes per weight: the element size, and for {@link DType#Q8_0} the int8
     * value plus its share of the F16 scale of its block, 1 + 2/32 = 1.0625 (rows whose length is not a
     * multiple of 32 pay a little more; no model here has one).
     */
    public static double bytesPerWeight(DType dtype) {
        return dtype == DType.Q8_0 ? 1 + 2.0 / Q8.BLOCK : dtype.size;
    }
}
