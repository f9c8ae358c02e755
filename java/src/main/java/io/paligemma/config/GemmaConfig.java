package io.paligemma.config;

/**
 * transformers' GemmaConfig / Gemma2Config (text_config of PaliGemma 1 / 2). Gemma 2 adds the fields of
 * {@link Gemma2}; for Gemma 1 that part is null.
 */
public record GemmaConfig(
        String modelType,           // model_type: "gemma" or "gemma2"
        int vocabSize,              // vocab_size
        int hiddenSize,             // hidden_size
        int intermediateSize,       // intermediate_size
        int numHiddenLayers,        // num_hidden_layers
        int numAttentionHeads,      // num_attention_heads
        int numKeyValueHeads,       // num_key_value_heads
        int headDim,                // head_dim (independent of hidden_size / heads)
        String hiddenActivation,    // hidden_activation
        int maxPositionEmbeddings,  // max_position_embeddings
        double rmsNormEps,          // rms_norm_eps
        double ropeTheta,           // rope_theta
        boolean tieWordEmbeddings,  // tie_word_embeddings
        Gemma2 gemma2) {

    /** The Gemma 2 variations; NaN soft-cap = off (JSON null). */
    public record Gemma2(
            double queryPreAttnScalar,     // query_pre_attn_scalar
            int slidingWindow,             // sliding_window (even layers)
            double attnLogitSoftcapping,   // attn_logit_softcapping
            double finalLogitSoftcapping) { // final_logit_softcapping
    }

    /** PaliGemmaConfig's text default when text_config is absent (Gemma 2B). */
    static GemmaConfig paliGemmaDefault(int vocabSize) {
        return new GemmaConfig("gemma", vocabSize, 2048, 16384, 18, 8, 1, 256, "gelu_pytorch_tanh", 8192, 1e-6, 10000,
                true, null);
    }

    static GemmaConfig from(JsonConfig c) {
        String w = c.where();
        String type = c.string("model_type", "gemma");
        boolean g2 = switch (type) {
            case "gemma" -> false;
            case "gemma2" -> true;
            default -> throw new ConfigException(w + ": model_type \"" + type + "\" is not supported (gemma or gemma2)");
        };
        // Gemma 1 falls back to hidden_act when hidden_activation is missing; both default to the tanh GELU.
        String act = c.string("hidden_activation", c.string("hidden_act", "gelu_pytorch_tanh"));
        if (!Activations.isGeluTanh(act)) {
            throw new ConfigException(w + ": hidden_activation \"" + act + "\" is not supported (gelu_pytorch_tanh)");
        }
        Gemma2 extras = !g2 ? null : new Gemma2(
                JsonConfig.finite(w, "query_pre_attn_scalar", c.number("query_pre_attn_scalar", 256), 0, false),
                JsonConfig.positive(w, "sliding_window", c.integer("sliding_window", 4096)),
                softcap(w, "attn_logit_softcapping", c.nullableNumber("attn_logit_softcapping", 50.0)),
                softcap(w, "final_logit_softcapping", c.nullableNumber("final_logit_softcapping", 30.0)));
        var cfg = new GemmaConfig(type,
                JsonConfig.positive(w, "vocab_size", c.integer("vocab_size", 256000)),
                JsonConfig.positive(w, "hidden_size", c.integer("hidden_size", g2 ? 2304 : 3072)),
                JsonConfig.positive(w, "intermediate_size", c.integer("intermediate_size", g2 ? 9216 : 24576)),
                JsonConfig.positive(w, "num_hidden_layers", c.integer("num_hidden_layers", g2 ? 26 : 28)),
                JsonConfig.positive(w, "num_attention_heads", c.integer("num_attention_heads", g2 ? 8 : 16)),
                JsonConfig.positive(w, "num_key_value_heads", c.integer("num_key_value_heads", g2 ? 4 : 16)),
                JsonConfig.positive(w, "head_dim", c.integer("head_dim", 256)),
                act,
                JsonConfig.positive(w, "max_position_embeddings", c.integer("max_position_embeddings", 8192)),
                JsonConfig.finite(w, "rms_norm_eps", c.number("rms_norm_eps", 1e-6), 0, true),
                JsonConfig.finite(w, "rope_theta", c.number("rope_theta", 10000.0), 0, false),
                c.bool("tie_word_embeddings", true),
                extras);
        if (cfg.numAttentionHeads % cfg.numKeyValueHeads != 0) {
            throw new ConfigException(w + ": num_attention_heads " + cfg.numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + cfg.numKeyValueHeads);
        }
        if (cfg.headDim % 2 != 0) {
            throw new ConfigException(w + ": head_dim " + cfg.headDim + " must be even for rotary embeddings");
        }
        if (c.bool("attention_bias", false)) {
            throw new ConfigException(w + ": attention_bias = true is not supported (Gemma has no attention biases)");
        }
        return cfg;
    }

    /** A soft-cap is off (JSON null: NaN here) or a finite number > 0: transformers divides by it. */
    private static double softcap(String where, String key, double cap) {
        return Double.isNaN(cap) ? cap : JsonConfig.finite(where, key, cap, 0, false);
    }

    public boolean isGemma2() {
        return gemma2 != null;
    }

    /** Scores are q·kᵀ times this: head_dim^-0.5 (Gemma), query_pre_attn_scalar^-0.5 (Gemma 2). */
    public float attentionScale() {
        return (float) Math.pow(isGemma2() ? gemma2.queryPreAttnScalar : headDim, -0.5);
    }

    /** Gemma 2 applies a sliding window on even layers (0, 2, ...); odd layers and Gemma 1 see everything. */
    public boolean isSlidingLayer(int layer) {
        return isGemma2() && layer % 2 == 0;
    }

    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }
}
