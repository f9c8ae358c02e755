package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} (BPE or Unigram model), encoding as the tokenizers library does:
 * added tokens split off (non-normalized ones in the raw text, normalized ones after normalization), normalizer,
 * pre-tokenizer, model. The post-processor (BOS insertion) is not applied: {@link #encode} adds no special ids.
 * {@link #decode} skips special added tokens (transformers' {@code skip_special_tokens=True}) and runs the
 * decoder chain.
 */
public final class HuggingFaceTokenizer implements Tokenizer {

    private final String source;
    private final Map<String, Integer> vocab;   // model vocabulary and added tokens
    private final String[] idToToken;           // [max id + 1] null for holes
    private final HfNormalizer normalizer;      // null: none
    private final HfPreTokenizer preTokenizer;  // null: none
    private final HfDecoder decoder;            // null: tokens joined by spaces, as tokenizers does
    private final Segmenter model;
    private final AddedVocabulary added;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final int padId;

    private HuggingFaceTokenizer(String source, Map<String, Integer> vocab, String[] idToToken, HfNormalizer normalizer,
                                 HfPreTokenizer preTokenizer, HfDecoder decoder, Segmenter model,
                                 AddedVocabulary added, int unkId, int bosId, int eosId, int padId) {
        this.source = source;
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.decoder = decoder;
        this.model = model;
        this.added = added;
        this.unkId = unkId;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
    }

    public static HuggingFaceTokenizer load(Path tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // the original message: getMessage() adds a second line with Jackson's source description
            throw new TokenizerException(tokenizerJson + ": not valid JSON: " + HfJson.describe(e), e);
        } catch (IOException e) {
            throw new TokenizerException(tokenizerJson + ": cannot read tokenizer.json: " + e.getMessage(), e);
        }
        return fromJson(root, tokenizerJson.toString());
    }

    /** @param source names the file in error messages */
    public static HuggingFaceTokenizer fromJson(JsonNode root, String source) {
        try {
            return parse(root, source);
        } catch (TokenizerException e) {
            throw TokenizerException.in(source, e); // e.g. the added-token checks, which do not know the file
        }
    }

    private static HuggingFaceTokenizer parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new TokenizerException(source + ": tokenizer.json is not a JSON object");
        }
        JsonNode modelNode = root.get("model");
        if (modelNode == null || !modelNode.isObject()) {
            throw new TokenizerException(source + ": no 'model' object");
        }
        String where = source + ": model";
        String type = modelNode.has("type") ? modelNode.get("type").asText()
                : modelNode.has("merges") ? "BPE" : "Unigram";
        Map<String, Integer> vocab = new HashMap<>();
        Segmenter segmenter;
        List<AddedToken> addedTokens = readAddedTokens(root.path("added_tokens"), source);
        int maxId = -1;
        for (AddedToken t : addedTokens) {
            maxId = Math.max(maxId, t.id());
        }
        String[] idToToken;
        int unk;
        switch (type) {
            case "BPE" -> {
                JsonNode v = modelNode.path("vocab");
                if (!v.isObject()) {
                    throw new TokenizerException(where + ".vocab: expected an object {token: id}");
                }
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    int id = e.getValue().asInt(-1);
                    if (id < 0) {
                        throw new TokenizerException(where + ".vocab['" + e.getKey() + "']: bad id " + e.getValue());
                    }
                    vocab.put(e.getKey(), id);
                    maxId = Math.max(maxId, id);
                }
                idToToken = reverse(vocab, maxId, where);
                segmenter = new HfBpe(modelNode, vocab, idToToken, where);
                String unkToken = HfJson.textOr(modelNode, "unk_token", null);
                unk = unkToken == null ? -1 : vocab.get(unkToken);
            }
            case "Unigram" -> {
                JsonNode v = modelNode.path("vocab");
                if (!v.isArray()) {
                    throw new TokenizerException(where + ".vocab: expected an array of [token, score]");
                }
                double[] scores = new double[v.size()];
                for (int id = 0; id < v.size(); id++) {
                    JsonNode entry = v.get(id);
                    if (!entry.isArray() || entry.size() != 2 || !entry.get(1).isNumber()) {
                        throw new TokenizerException(where + ".vocab[" + id + "]: expected [token, score]");
                    }
                    vocab.put(entry.get(0).asText(), id);  // a repeated token keeps its last id, as tokenizers does
                    scores[id] = entry.get(1).asDouble();
                }
                maxId = Math.max(maxId, v.size() - 1);
                idToToken = new String[maxId + 1];
                for (int id = 0; id < v.size(); id++) {
                    idToToken[id] = v.get(id).get(0).asText();
                }
                HfUnigram unigram = new HfUnigram(modelNode, vocab, scores, where);
                segmenter = unigram;
                unk = modelNode.get("unk_id").asInt();
            }
            default -> throw new TokenizerException(where + ".type: '" + type + "' is not supported (BPE, Unigram)");
        }
        Map<String, Integer> all = new HashMap<>(vocab);
        for (AddedToken t : addedTokens) {
            all.put(t.content(), t.id());
            idToToken[t.id()] = t.content();
        }
        AddedVocabulary addedVocabulary = new AddedVocabulary(addedTokens);
        return new HuggingFaceTokenizer(source, all, idToToken,
                HfNormalizer.of(root.get("normalizer"), source + ": normalizer"),
                HfPreTokenizer.of(root.get("pre_tokenizer"), source + ": pre_tokenizer"),
                HfDecoder.of(root.get("decoder"), source + ": decoder"),
                segmenter, addedVocabulary, unk,
                specialId(addedVocabulary, "<bos>", "<s>"), specialId(addedVocabulary, "<eos>", "</s>"),
                specialId(addedVocabulary, "<pad>"));
    }

    private static String[] reverse(Map<String, Integer> vocab, int maxId, String where) {
        String[] out = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (out[e.getValue()] != null) {
                throw new TokenizerException(where + ".vocab: id " + e.getValue() + " is used by '" + out[e.getValue()]
                        + "' and '" + e.getKey() + "'");
            }
            out[e.getValue()] = e.getKey();
        }
        return out;
    }

    private static List<AddedToken> readAddedTokens(JsonNode list, String source) {
        List<AddedToken> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String where = source + ": added_tokens[" + i + "]";
            if (!t.has("id") || !t.get("id").canConvertToInt()) {
                throw new TokenizerException(where + ".id: expected an integer");
            }
            out.add(new AddedToken(HfJson.text(t, "content", where), t.get("id").asInt(),
                    HfJson.bool(t, "special", false), HfJson.bool(t, "lstrip", false), HfJson.bool(t, "rstrip", false),
                    HfJson.bool(t, "single_word", false), HfJson.bool(t, "normalized", false)));
        }
        return out;
    }

    private static int specialId(AddedVocabulary added, String... names) {
        for (String name : names) {
            AddedToken t = added.byContent(name);
            if (t != null && t.special()) {
                return t.id();
            }
        }
        return -1;
    }

    /**
     * This tokenizer with more added tokens and with the special ids named by a checkpoint's config
     * (null keeps the current one).
     */
    public HuggingFaceTokenizer withAddedTokens(Collection<AddedToken> tokens, String bosToken, String eosToken,
                                                String padToken, String unkToken) {
        List<AddedToken> all = new ArrayList<>(added.tokens());
        all.addAll(tokens);
        AddedVocabulary merged = new AddedVocabulary(all);
        Map<String, Integer> vocabulary = new HashMap<>(vocab);
        int maxId = idToToken.length - 1;
        for (AddedToken t : tokens) {
            Integer existing = vocab.get(t.content());
            if (existing != null && existing != t.id()) {
                throw new TokenizerException(source + ": added token '" + t.content() + "' has id " + t.id()
                        + ", but the vocabulary has it as id " + existing);
            }
            if (t.id() < idToToken.length && idToToken[t.id()] != null && !idToToken[t.id()].equals(t.content())) {
                throw new TokenizerException(source + ": added token '" + t.content() + "' has id " + t.id()
                        + ", which is '" + idToToken[t.id()] + "'");
            }
            vocabulary.put(t.content(), t.id());
            maxId = Math.max(maxId, t.id());
        }
        String[] reverse = java.util.Arrays.copyOf(idToToken, maxId + 1);
        for (AddedToken t : tokens) {
            reverse[t.id()] = t.content();
        }
        return new HuggingFaceTokenizer(source, vocabulary, reverse, normalizer, preTokenizer, decoder, model, merged,
                idOf(vocabulary, unkToken, unkId), idOf(vocabulary, bosToken, bosId), idOf(vocabulary, eosToken, eosId),
                idOf(vocabulary, padToken, padId));
    }

    private int idOf(Map<String, Integer> vocabulary, String token, int fallback) {
        if (token == null) {
            return fallback;
        }
        Integer id = vocabulary.get(token);
        if (id == null) {
            throw new TokenizerException(source + ": special token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    @Override
    public Encoding encodeWithPieces(String text) {
        List<Integer> ids = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        boolean atStart = true;
        for (AddedVocabulary.Chunk chunk : added.split(text, AddedVocabulary.Selection.RAW)) {
            if (chunk.token() != null) {
                add(chunk.token(), ids, pieces);
            } else {
                String normalized = normalizer == null ? chunk.text() : normalizer.normalize(chunk.text());
                for (AddedVocabulary.Chunk part : added.split(normalized, AddedVocabulary.Selection.NORMALIZED)) {
                    if (part.token() != null) {
                        add(part.token(), ids, pieces);
                    } else {
                        encodeModel(part.text(), atStart, ids, pieces);
                    }
                    atStart = false;
                }
            }
            atStart = false;
        }
        return new Encoding(ids.stream().mapToInt(Integer::intValue).toArray(), pieces);
    }

    private static void add(AddedToken t, List<Integer> ids, List<String> pieces) {
        ids.add(t.id());
        pieces.add(t.content());
    }

    private void encodeModel(String text, boolean atStart, List<Integer> ids, List<String> pieces) {
        if (text.isEmpty()) {
            return;  // tokenizers drops empty splits before pre-tokenizing
        }
        List<String> words = preTokenizer == null ? List.of(text) : preTokenizer.split(text, atStart);
        for (String word : words) {
            for (Segment s : model.segment(word)) {
                ids.add(s.id());
                pieces.add(s.piece());
            }
        }
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, ids.length);
    }

    private String decode(int[] ids, int count) {
        List<String> tokens = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            checkId(ids[i]);
            if (!isSkipped(ids[i])) {
                tokens.add(idToToken[ids[i]]);
            }
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    private boolean isSkipped(int id) {
        AddedToken t = added.byId(id);
        return t != null && t.special();
    }

    private void checkId(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new TokenizerException(source + ": id " + id + " is not in the vocabulary");
        }
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(new StreamingDecoder.Source() {
            @Override
            public String decode(int[] ids, int count) {
                return HuggingFaceTokenizer.this.decode(ids, count);
            }

            @Override
            public String decodeFinal(int[] ids, int count) {
                // ByteFallback turns a whole run of byte tokens into U+FFFDs if any byte is bad: hold the run
                int n = count;
                while (n > 0 && (isSkipped(ids[n - 1]) || HfDecoder.byteToken(idToToken[ids[n - 1]]) >= 0)) {
                    n--;
                }
                return HuggingFaceTokenizer.this.decode(ids, n);
            }

            @Override
            public void checkId(int id) {
                HuggingFaceTokenizer.this.checkId(id);
            }
        });
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return idToToken[id];
    }

    @Override
    public int pieceToId(String piece) {
        Integer id = vocab.get(piece);
        return id == null ? unkId : id;
    }

    @Override
    public int vocabSize() {
        return idToToken.length;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public int unkId() {
        return unkId;
    }

    /** The added tokens, special or not. */
    public Collection<AddedToken> addedTokens() {
        return List.copyOf(added.tokens());
    }

    @Override
    public String toString() {
        return "HuggingFaceTokenizer[" + source + ", " + idToToken.length + " ids]";
    }
}
