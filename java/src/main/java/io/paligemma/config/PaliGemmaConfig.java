package io.paligemma.config;

import java.nio.file.Files;
import java.nio.file.Path;

/** transformers' PaliGemmaConfig: vision config + text config + how image tokens enter the prompt. */
public record PaliGemmaConfig(
        SiglipVisionConfig visionConfig, // vision_config
        GemmaConfig textConfig,          // text_config
        int imageTokenIndex,             // image_token_index
        int projectionDim,               // projection_dim (= text hidden size)
        int bosTokenId,                  // bos_token_id
        int eosTokenId,                  // eos_token_id
        int padTokenId) {                // pad_token_id

    /** Reads config.json of a checkpoint directory (or the file itself). */
    public static PaliGemmaConfig read(Path checkpoint) {
        Path file = Files.isDirectory(checkpoint) ? checkpoint.resolve("config.json") : checkpoint;
        return from(JsonConfig.read(file));
    }

    static PaliGemmaConfig from(JsonConfig c) {
        String w = c.where();
        String type = c.string("model_type", null);
        if (type == null) {
            throw new ConfigException(w + ": required key \"model_type\" is missing (expected \"paligemma\")");
        }
        if (!type.equals("paligemma")) {
            throw new ConfigException(w + ": model_type is \"" + type + "\", not a PaliGemma checkpoint (\"paligemma\")");
        }
        // transformers builds the sub-configs from the dicts, or falls back to the 3B-224 defaults.
        int vocab = c.integer("vocab_size", 257152);
        SiglipVisionConfig vision = c.has("vision_config") ? SiglipVisionConfig.from(c.object("vision_config"))
                : SiglipVisionConfig.paliGemmaDefault();
        GemmaConfig text = c.has("text_config") ? GemmaConfig.from(c.object("text_config"))
                : GemmaConfig.paliGemmaDefault(vocab);
        int projection = c.integer("projection_dim", 2048);
        if (projection != text.hiddenSize()) {
            throw new ConfigException(w + ": projection_dim " + projection + " differs from text_config.hidden_size "
                    + text.hiddenSize() + " (the projector output is the language model's input)");
        }
        int image = c.integer("image_token_index", 256000);
        if (image < 0 || image >= text.vocabSize()) {
            throw new ConfigException(w + ": image_token_index " + image + " is outside the vocabulary (" + text.vocabSize() + ")");
        }
        int bos = c.integer("bos_token_id", 2);
        int eos = c.integer("eos_token_id", 1);
        int pad = c.integer("pad_token_id", 0);
        for (String key : new String[] {"bos_token_id", "eos_token_id", "pad_token_id"}) {
            int id = key.startsWith("bos") ? bos : key.startsWith("eos") ? eos : pad;
            if (id < 0 || id >= text.vocabSize()) {
                throw new ConfigException(w + ": " + key + " " + id + " is outside the vocabulary (" + text.vocabSize() + ")");
            }
        }
        return new PaliGemmaConfig(vision, text, image, projection, bos, eos, pad);
    }

    /** Image tokens in the prompt: (image_size / patch_size)². */
    public int numImageTokens() {
        return visionConfig.numPatches();
    }
}
