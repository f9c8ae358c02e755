package io.paligemma.config;

/** transformers' SiglipVisionConfig (the keys PaliGemma uses), with its defaults. */
public record SiglipVisionConfig(
        int hiddenSize,          // hidden_size
        int intermediateSize,    // intermediate_size
        int numHiddenLayers,     // num_hidden_layers
        int numAttentionHeads,   // num_attention_heads
        int numChannels,         // num_channels
        int imageSize,           // image_size
        int patchSize,           // patch_size
        String hiddenAct,        // hidden_act
        double layerNormEps) {   // layer_norm_eps

    /** Defaults of PaliGemmaConfig when vision_config is absent altogether (SigLIP So400m/14). */
    static SiglipVisionConfig paliGemmaDefault() {
        return new SiglipVisionConfig(1152, 4304, 27, 16, 3, 224, 14, "gelu_pytorch_tanh", 1e-6);
    }

    static SiglipVisionConfig from(JsonConfig c) {
        String w = c.where();
        var cfg = new SiglipVisionConfig(
                JsonConfig.positive(w, "hidden_size", c.integer("hidden_size", 768)),
                JsonConfig.positive(w, "intermediate_size", c.integer("intermediate_size", 3072)),
                JsonConfig.positive(w, "num_hidden_layers", c.integer("num_hidden_layers", 12)),
                JsonConfig.positive(w, "num_attention_heads", c.integer("num_attention_heads", 12)),
                JsonConfig.positive(w, "num_channels", c.integer("num_channels", 3)),
                JsonConfig.positive(w, "image_size", c.integer("image_size", 224)),
                JsonConfig.positive(w, "patch_size", c.integer("patch_size", 16)),
                c.string("hidden_act", "gelu_pytorch_tanh"),
                JsonConfig.finite(w, "layer_norm_eps", c.number("layer_norm_eps", 1e-6), 0, true));
        if (cfg.numChannels != 3) {
            throw new ConfigException(w + ": num_channels " + cfg.numChannels + " is not 3 (pictures are RGB)");
        }
        if (cfg.hiddenSize % cfg.numAttentionHeads != 0) {
            throw new ConfigException(w + ": hidden_size " + cfg.hiddenSize + " is not divisible by num_attention_heads "
                    + cfg.numAttentionHeads);
        }
        if (cfg.imageSize % cfg.patchSize != 0) {
            throw new ConfigException(w + ": image_size " + cfg.imageSize + " is not a multiple of patch_size " + cfg.patchSize);
        }
        long patches = (long) cfg.gridSize() * cfg.gridSize();
        if (patches > Integer.MAX_VALUE) {
            throw new ConfigException(w + ": image_size " + cfg.imageSize + " / patch_size " + cfg.patchSize + " gives "
                    + patches + " image tokens, more than an int counts");
        }
        if (!Activations.isGeluTanh(cfg.hiddenAct)) {
            throw new ConfigException(w + ": hidden_act \"" + cfg.hiddenAct + "\" is not supported (gelu_pytorch_tanh)");
        }
        if (c.bool("vision_use_head", false)) {
            throw new ConfigException(w + ": vision_use_head = true is not used by PaliGemma and not supported");
        }
        return cfg;
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Patches per side of the grid. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Image tokens = patches: (image_size / patch_size)². */
    public int numPatches() {
        return gridSize() * gridSize();
    }
}
