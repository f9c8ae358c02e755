package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finding and loading the tokenizer of a Hugging Face checkpoint directory. */
public final class Tokenizers {

    private Tokenizers() {
    }

    /**
     * The tokenizer of a checkpoint: {@code tokenizer.model} (sentencepiece, preferred: it is what the
     * reference implementations encode with) or else {@code tokenizer.json}, plus the added tokens named by
     * {@code tokenizer_config.json} ({@code added_tokens_decoder}), {@code added_tokens.json} and
     * {@code special_tokens_map.json} when present (e.g. PaliGemma's {@code <image>} = 257152). A special token
     * named only by content that no file gives an id gets the next free id, as transformers appends it.
     */
    public static Tokenizer forCheckpoint(Path dir) {
        try {
            return load(dir);
        } catch (TokenizerException e) {
            // the added and special tokens of tokenizer_config.json etc. are checked where no file is known
            throw TokenizerException.in(dir.toString(), e);
        }
    }

    private static Tokenizer load(Path dir) {
        Path model = dir.resolve("tokenizer.model");
        Path json = dir.resolve("tokenizer.json");
        boolean hasModel = Files.isRegularFile(model);
        if (!hasModel && !Files.isRegularFile(json)) {
            throw new TokenizerException(dir + ": no tokenizer.model or tokenizer.json");
        }
        JsonNode config = readOptional(dir.resolve("tokenizer_config.json"));
        JsonNode specialMap = readOptional(dir.resolve("special_tokens_map.json"));
        JsonNode addedJson = readOptional(dir.resolve("added_tokens.json"));
        if (hasModel) {
            SentencePieceTokenizer sp = SentencePieceTokenizer.load(model);
            return sp.withAddedTokens(configuredTokens(sp, config, specialMap, addedJson, dir));
        }
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(json);
        List<AddedToken> extra = new ArrayList<>();
        for (AddedToken t : configuredTokens(hf, config, specialMap, addedJson, dir)) {
            if (hf.addedTokens().stream().noneMatch(a -> a.content().equals(t.content()) && a.id() == t.id())) {
                extra.add(t);
            }
        }
        return hf.withAddedTokens(extra, specialName(config, specialMap, "bos_token"),
                specialName(config, specialMap, "eos_token"), specialName(config, specialMap, "pad_token"),
                specialName(config, specialMap, "unk_token"));
    }

    private static List<AddedToken> configuredTokens(Tokenizer base, JsonNode config, JsonNode specialMap,
                                                     JsonNode addedJson, Path dir) {
        Map<String, AddedToken> tokens = new LinkedHashMap<>();
        JsonNode decoder = config == null ? null : config.get("added_tokens_decoder");
        if (decoder != null && decoder.isObject()) {
            for (Map.Entry<String, JsonNode> e : decoder.properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TokenizerException(dir.resolve("tokenizer_config.json") + ": added_tokens_decoder key '"
                            + e.getKey() + "' is not an id");
                }
                JsonNode t = e.getValue();
                String where = dir.resolve("tokenizer_config.json") + ": added_tokens_decoder." + e.getKey();
                tokens.put(HfJson.text(t, "content", where), new AddedToken(HfJson.text(t, "content", where), id,
                        HfJson.bool(t, "special", false), HfJson.bool(t, "lstrip", false),
                        HfJson.bool(t, "rstrip", false), HfJson.bool(t, "single_word", false),
                        HfJson.bool(t, "normalized", false)));
            }
        }
        if (addedJson != null) {
            for (Map.Entry<String, JsonNode> e : addedJson.properties()) {
                if (!e.getValue().canConvertToInt()) {
                    throw new TokenizerException(dir.resolve("added_tokens.json") + ": '" + e.getKey()
                            + "' has no integer id");
                }
                tokens.putIfAbsent(e.getKey(), AddedToken.of(e.getKey(), e.getValue().asInt(), false));
            }
        }
        // special tokens named by content only: mark special, find their id, or append one
        List<String> specials = new ArrayList<>();
        for (JsonNode source : new JsonNode[] {config, specialMap}) {
            if (source == null) {
                continue;
            }
            for (String key : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
                String name = tokenName(source.get(key));
                if (name != null) {
                    specials.add(name);
                }
            }
            JsonNode extra = source.path("additional_special_tokens");
            for (int i = 0; i < extra.size(); i++) {
                String name = tokenName(extra.get(i));
                if (name != null) {
                    specials.add(name);
                }
            }
        }
        int nextId = base.vocabSize();
        for (AddedToken t : tokens.values()) {
            nextId = Math.max(nextId, t.id() + 1);
        }
        for (String name : specials) {
            AddedToken known = tokens.get(name);
            if (known != null) {
                if (!known.special()) {
                    tokens.put(name, new AddedToken(name, known.id(), true, known.lstrip(), known.rstrip(),
                            known.singleWord(), known.normalized()));
                }
                continue;
            }
            int id = base.pieceToId(name);
            if (id < 0 || !base.piece(id).equals(name)) {
                id = nextId++;
            }
            tokens.put(name, AddedToken.of(name, id, true));
        }
        return new ArrayList<>(tokens.values());
    }

    private static String specialName(JsonNode config, JsonNode specialMap, String key) {
        String name = config == null ? null : tokenName(config.get(key));
        if (name == null && specialMap != null) {
            name = tokenName(specialMap.get(key));
        }
        return name;
    }

    /** A special token entry: a string or {"content": ...}; null when absent. */
    private static String tokenName(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        JsonNode content = node.get("content");
        return content == null || content.isNull() ? null : content.asText();
    }

    private static JsonNode readOptional(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = new ObjectMapper().readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new TokenizerException(file + ": expected a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new TokenizerException(file + ": not valid JSON: " + HfJson.describe(e), e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
