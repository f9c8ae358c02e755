package io.paligemma.nn;

import java.util.Locale;

/**
 * Which weight matrices are quantized to int8 ({@link io.paligemma.tensor.Q8}) when a checkpoint of
 * float weights loads. The language model's matrices (attention, MLP, the tied embedding / LM head)
 * are quantized under {@link #int8()}; the vision tower and the projector only with {@code vision}
 * as well, because int8 SigLIP features are reported to hurt OCR. Norms, biases and position
 * embeddings are vectors and are never quantized. Matrices a checkpoint already stores as int8 load as
 * int8 whatever this says.
 */
public record Quantization(boolean int8, boolean vision) {

    /** Weights as stored. */
    public static final Quantization NONE = new Quantization(false, false);
    /** int8 language model, vision tower in its stored precision. */
    public static final Quantization INT8 = new Quantization(true, false);

    public Quantization {
        if (vision && !int8) {
            throw new IllegalArgumentException("quantizing the vision tower needs int8 weights (--weights int8)");
        }
    }

    /** Whether the matrix under this checkpoint key (transformers 4.47 naming) is quantized. */
    public boolean selects(String key) {
        if (!int8) {
            return false;
        }
        return key.startsWith("language_model.") || (vision && (key.startsWith("vision_tower.")
                || key.startsWith("multi_modal_projector.")));
    }

    /** "as stored", "int8" or "int8 (vision too)". */
    public String describe() {
        return !int8 ? "as stored" : vision ? "int8 (vision too)" : "int8";
    }

    /** The --weights value: "stored" or "int8". */
    public static Quantization parse(String weights, boolean vision) {
        return switch (weights.trim().toLowerCase(Locale.ROOT)) {
            case "stored", "as-stored" -> new Quantization(false, vision);
            case "int8", "q8_0", "q8" -> new Quantization(true, vision);
            default -> throw new IllegalArgumentException("--weights must be stored or int8, not '" + weights + "'");
        };
    }
}
