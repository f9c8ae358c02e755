package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-side conversion of a sentencepiece .model into a tokenizer.json, the way transformers' converters do it:
 * BPE merges from the vocabulary (every split of a piece into two pieces, ordered by the merged piece's score;
 * transformers' SentencePieceExtractor), control/unknown pieces as special added tokens, user-defined symbols as
 * non-special added tokens.
 */
public final class SpmToTokenizerJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private SpmToTokenizerJson() {
    }

    /** The tokenizer.json text of a .model file (for the fuzzers' seed corpus). */
    public static String tokenizerJson(Path model) {
        return convert(readModel(model)).toPrettyString();
    }

    static ModelProto readModel(Path file) {
        try {
            return ModelProtoParser.parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tokenizer.json of a model. Identity normalization without dummy prefix or whitespace cleanup (Gemma):
     * transformers' GemmaConverter layout, Replace(" ", "▁") and no pre-tokenizer. Otherwise sentencepiece's
     * normalization spelled out as tokenizers steps: Precompiled charsmap, Strip, collapse space runs,
     * Metaspace (prepend "▁" when the model adds a dummy prefix, split on it); the decoder then also strips the
     * leading space.
     */
    static ObjectNode convert(ModelProto model) {
        ModelProto.NormalizerSpec spec = model.normalizerSpec();
        boolean gemmaLike = spec.precompiledCharsmap().length == 0 && !spec.addDummyPrefix()
                && !spec.removeExtraWhitespaces();
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.set("added_tokens", addedTokens(model));
        if (gemmaLike) {
            root.set("normalizer", replace(" ", "\u2581"));
            root.putNull("pre_tokenizer");
        } else {
            ObjectNode normalizer = root.putObject("normalizer");
            normalizer.put("type", "Sequence");
            ArrayNode steps = normalizer.putArray("normalizers");
            if (spec.precompiledCharsmap().length > 0) {
                steps.addObject().put("type", "Precompiled").put("precompiled_charsmap",
                        Base64.getEncoder().encodeToString(spec.precompiledCharsmap()));
            }
            if (spec.removeExtraWhitespaces()) {
                steps.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
                ObjectNode collapse = steps.addObject().put("type", "Replace");
                collapse.putObject("pattern").put("Regex", " {2,}");
                collapse.put("content", " ");
            }
            root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                    .put("prepend_scheme", spec.addDummyPrefix() ? "always" : "never").put("split", true);
        }
        ObjectNode m = root.putObject("model");
        if (model.trainerSpec().modelType() == ModelProto.ModelType.BPE) {
            m.put("type", "BPE");
            m.putNull("dropout");
            m.put("unk_token", unkPiece(model));
            m.putNull("continuing_subword_prefix");
            m.putNull("end_of_word_suffix");
            m.put("fuse_unk", true);
            m.put("byte_fallback", model.trainerSpec().byteFallback());
            m.put("ignore_merges", false);
            ObjectNode vocab = m.putObject("vocab");
            for (int id = 0; id < model.pieces().size(); id++) {
                vocab.put(model.pieces().get(id).piece(), id);
            }
            ArrayNode merges = m.putArray("merges");
            for (String[] pair : merges(model)) {
                merges.addArray().add(pair[0]).add(pair[1]);
            }
        } else {
            m.put("type", "Unigram");
            ArrayNode vocab = m.putArray("vocab");
            for (ModelProto.Piece p : model.pieces()) {
                vocab.addArray().add(p.piece()).add(p.score());
            }
            m.put("unk_id", model.pieces().indexOf(model.pieces().stream()
                    .filter(p -> p.type() == ModelProto.PieceType.UNKNOWN).findFirst().orElseThrow()));
            m.put("byte_fallback", model.trainerSpec().byteFallback());
        }
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode d = decoder.putArray("decoders");
        d.add(replace("\u2581", " "));
        d.addObject().put("type", "ByteFallback");
        d.addObject().put("type", "Fuse");
        if (spec.addDummyPrefix()) {
            d.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        }
        return root;
    }

    private static ObjectNode replace(String from, String to) {
        ObjectNode n = F.objectNode();
        n.put("type", "Replace");
        n.putObject("pattern").put("String", from);
        n.put("content", to);
        return n;
    }

    private static String unkPiece(ModelProto model) {
        for (ModelProto.Piece p : model.pieces()) {
            if (p.type() == ModelProto.PieceType.UNKNOWN) {
                return p.piece();
            }
        }
        throw new IllegalArgumentException("no unknown piece");
    }

    private static ArrayNode addedTokens(ModelProto model) {
        ArrayNode list = F.arrayNode();
        for (int id = 0; id < model.pieces().size(); id++) {
            ModelProto.Piece p = model.pieces().get(id);
            boolean special = p.type() == ModelProto.PieceType.CONTROL || p.type() == ModelProto.PieceType.UNKNOWN;
            if (special || p.type() == ModelProto.PieceType.USER_DEFINED) {
                list.addObject().put("id", id).put("content", p.piece()).put("single_word", false)
                        .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", special);
            }
        }
        return list;
    }

    /** transformers' SentencePieceExtractor.extract(vocab_scores): merges sorted by merged-piece score, stable. */
    static List<String[]> merges(ModelProto model) {
        Map<String, Integer> vocab = new HashMap<>();
        for (int id = 0; id < model.pieces().size(); id++) {
            vocab.put(model.pieces().get(id).piece(), id);
        }
        record M(String left, String right, float score) {
        }
        List<M> all = new ArrayList<>();
        for (ModelProto.Piece p : model.pieces()) {
            String merged = p.piece();
            List<M> local = new ArrayList<>();
            for (int i = merged.offsetByCodePoints(0, 1); i < merged.length(); i = merged.offsetByCodePoints(i, 1)) {
                String l = merged.substring(0, i);
                String r = merged.substring(i);
                if (vocab.containsKey(l) && vocab.containsKey(r)) {
                    local.add(new M(l, r, p.score()));
                }
            }
            local.sort(Comparator.comparingInt((M m) -> vocab.get(m.left)).thenComparingInt(m -> vocab.get(m.right)));
            all.addAll(local);
        }
        all.sort((a, b) -> Float.compare(b.score, a.score));  // List.sort is stable, like Python's sorted
        return all.stream().map(m -> new String[] {m.left, m.right}).toList();
    }
}
