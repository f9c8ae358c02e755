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
final class SpmToTokenizerJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private SpmToTokenizerJson() {
    }

    static ModelProto readModel(Path file) {
        try {
            return ModelProtoParser.parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gemma's layout (transformers' GemmaConverter): Replace(" ", "▁") normalizer, no pre-tokenizer, byte-fallback BPE. */
    static ObjectNode gemmaStyleBpe(ModelProto model) {
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.set("added_tokens", addedTokens(model));
        root.set("normalizer", replace(" ", "\u2581"));
        root.putNull("pre_tokenizer");
        ObjectNode bpe = root.putObject("model");
        bpe.put("type", "BPE");
        bpe.putNull("dropout");
        bpe.put("unk_token", unkPiece(model));
        bpe.putNull("continuing_subword_prefix");
        bpe.putNull("end_of_word_suffix");
        bpe.put("fuse_unk", true);
        bpe.put("byte_fallback", model.trainerSpec().byteFallback());
        bpe.put("ignore_merges", false);
        ObjectNode vocab = bpe.putObject("vocab");
        for (int id = 0; id < model.pieces().size(); id++) {
            vocab.put(model.pieces().get(id).piece(), id);
        }
        ArrayNode merges = bpe.putArray("merges");
        for (String[] m : merges(model)) {
            merges.addArray().add(m[0]).add(m[1]);
        }
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode steps = decoder.putArray("decoders");
        steps.add(replace("\u2581", " "));
        steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse");
        return root;
    }

    /**
     * A unigram model with sentencepiece's normalization spelled out as tokenizers steps: Precompiled charsmap,
     * strip, collapse space runs, Metaspace (prepend "▁", split on it); decoder ▁→space, bytes, fuse, strip one
     * leading space.
     */
    static ObjectNode unigramWithPrecompiled(ModelProto model) {
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.set("added_tokens", addedTokens(model));
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Precompiled").put("precompiled_charsmap",
                Base64.getEncoder().encodeToString(model.normalizerSpec().precompiledCharsmap()));
        steps.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
        ObjectNode collapse = steps.addObject().put("type", "Replace");
        collapse.putObject("pattern").put("Regex", " {2,}");
        collapse.put("content", " ");
        root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "always").put("split", true);
        ObjectNode unigram = root.putObject("model");
        unigram.put("type", "Unigram");
        int unkId = -1;
        ArrayNode vocab = unigram.putArray("vocab");
        for (int id = 0; id < model.pieces().size(); id++) {
            ModelProto.Piece p = model.pieces().get(id);
            vocab.addArray().add(p.piece()).add(p.score());
            if (p.type() == ModelProto.PieceType.UNKNOWN) {
                unkId = id;
            }
        }
        unigram.put("unk_id", unkId);
        unigram.put("byte_fallback", model.trainerSpec().byteFallback());
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode d = decoder.putArray("decoders");
        d.add(replace("\u2581", " "));
        d.addObject().put("type", "ByteFallback");
        d.addObject().put("type", "Fuse");
        d.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
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
