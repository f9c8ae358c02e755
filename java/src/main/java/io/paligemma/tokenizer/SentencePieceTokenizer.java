package io.paligemma.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A sentencepiece {@code .model} (BPE or unigram), encoding and decoding as Google's sentencepiece 0.1.97
 * SentencePieceProcessor does, optionally with added tokens split off the input first (a checkpoint's
 * {@code <image>} etc.; all matched in the raw text, their {@code normalized} flag is not used here). An added
 * token outside the model decodes to nothing when special, else to its text.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final String SPACE_SYMBOL = "\u2581";

    private final String source;
    private final ModelProto model;
    private final SentencePieceVocab vocab;
    private final SentencePieceNormalizer normalizer;
    private final SentencePieceNormalizer denormalizer;  // null: none
    private final Segmenter segmenter;
    private final AddedVocabulary added;
    private final boolean stripLeadingSpace;
    private final int vocabSize;

    private SentencePieceTokenizer(String source, ModelProto model, AddedVocabulary added) {
        this.source = source;
        this.model = model;
        ModelProto.TrainerSpec trainer = model.trainerSpec();
        this.vocab = new SentencePieceVocab(model.pieces(), trainer.byteFallback(), source);
        PrefixMatcher userDefined = new PrefixMatcher(vocab.userDefinedSymbols());
        this.normalizer = new SentencePieceNormalizer(model.normalizerSpec(), trainer.treatWhitespaceAsSuffix(),
                userDefined, source);
        ModelProto.NormalizerSpec denorm = model.denormalizerSpec();
        this.denormalizer = denorm == null || denorm.precompiledCharsmap().length == 0 ? null
                : new SentencePieceNormalizer(denorm, false, new PrefixMatcher(List.of()), source + " (denormalizer)");
        this.segmenter = switch (trainer.modelType()) {
            case BPE -> new SentencePieceBpe(vocab, userDefined);
            case UNIGRAM -> new SentencePieceUnigram(vocab);
            default -> throw new TokenizerException(source + ": model_type " + trainer.modelType()
                    + " is not supported (only UNIGRAM and BPE)");
        };
        this.stripLeadingSpace = model.normalizerSpec().addDummyPrefix() || model.normalizerSpec().removeExtraWhitespaces();
        this.added = added;
        this.vocabSize = vocab.size();
    }

    /** The same model with other added tokens: shares everything but the added vocabulary. */
    private SentencePieceTokenizer(SentencePieceTokenizer base, AddedVocabulary added) {
        this.source = base.source;
        this.model = base.model;
        this.vocab = base.vocab;
        this.normalizer = base.normalizer;
        this.denormalizer = base.denormalizer;
        this.segmenter = base.segmenter;
        this.stripLeadingSpace = base.stripLeadingSpace;
        this.added = added;
        checkAddedTokens();
        this.vocabSize = Math.max(vocab.size(), added.maxId() + 1);
    }

    /** Reads a {@code tokenizer.model} file. */
    public static SentencePieceTokenizer load(Path modelFile) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(modelFile);
        } catch (IOException e) {
            throw new TokenizerException(modelFile + ": cannot read SentencePiece model: " + e.getMessage(), e);
        }
        return fromBytes(bytes, modelFile.toString());
    }

    /** @param source names the model in error messages */
    public static SentencePieceTokenizer fromBytes(byte[] modelProto, String source) {
        try {
            return new SentencePieceTokenizer(source, ModelProtoParser.parse(modelProto, source),
                    new AddedVocabulary(List.of()));
        } catch (TokenizerException e) {
            throw TokenizerException.in(source, e);
        }
    }

    /** This model plus added tokens, split off the input before the model encodes the rest. */
    public SentencePieceTokenizer withAddedTokens(Collection<AddedToken> tokens) {
        List<AddedToken> all = new ArrayList<>(added.tokens());
        all.addAll(tokens);
        return new SentencePieceTokenizer(this, new AddedVocabulary(all));
    }

    /** The added tokens (none for a bare model). */
    public Collection<AddedToken> addedTokens() {
        return List.copyOf(added.tokens());
    }

    private void checkAddedTokens() {
        for (AddedToken t : added.tokens()) {
            if (t.id() < vocab.size() && !vocab.piece(t.id()).equals(t.content())) {
                throw new TokenizerException(source + ": added token '" + t.content() + "' has id " + t.id()
                        + ", which is the model's piece '" + vocab.piece(t.id()) + "'");
            }
            int modelId = vocab.pieceToId(t.content());
            if (modelId != t.id() && (modelId != vocab.unkId() || vocab.piece(modelId).equals(t.content()))) {
                throw new TokenizerException(source + ": added token '" + t.content() + "' has id " + t.id()
                        + ", but the model has it as id " + modelId);
            }
        }
    }

    @Override
    public Encoding encodeWithPieces(String text) {
        List<Integer> ids = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        for (AddedVocabulary.Chunk chunk : added.split(text, AddedVocabulary.Selection.ALL)) {
            if (chunk.token() != null) {
                ids.add(chunk.token().id());
                pieces.add(chunk.token().content());
            } else {
                encodeModel(chunk.text(), ids, pieces);
            }
        }
        return new Encoding(ids.stream().mapToInt(Integer::intValue).toArray(), pieces);
    }

    /** The normalized text the model segments (sentencepiece's Normalize), for diagnostics. */
    public String normalize(String text) {
        return normalizer.normalize(text);
    }

    /** SentencePieceProcessor::Encode: byte fallback for unknown pieces, else runs of unknowns merged. */
    private void encodeModel(String text, List<Integer> ids, List<String> pieces) {
        boolean byteFallback = model.trainerSpec().byteFallback();
        boolean prevUnknown = false;
        for (Segment s : segmenter.segment(normalizer.normalize(text))) {
            boolean unknown = vocab.isUnknown(s.id());
            if (unknown && byteFallback) {
                for (byte b : s.piece().getBytes(StandardCharsets.UTF_8)) {
                    String piece = SentencePieceVocab.byteToPiece(b);
                    ids.add(vocab.pieceToId(piece));
                    pieces.add(piece);
                }
            } else if (unknown && prevUnknown) {
                int last = pieces.size() - 1;
                pieces.set(last, pieces.get(last) + s.piece());
            } else {
                ids.add(s.id());
                pieces.add(s.piece());
            }
            prevUnknown = unknown;
        }
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, ids.length);
    }

    /**
     * SentencePieceProcessor::Decode: control pieces vanish, unknown → unk_surface, runs of byte pieces become
     * UTF-8 (U+FFFD per undecodable byte), U+2581 → space. When the model adds a dummy prefix or removes extra
     * whitespace, the leading U+2581 of the first pieces is dropped: of every piece while the text is still
     * empty if extra whitespace is removed, else of the first piece that has one. A denormalizer (rules in the
     * model's denormalizer_spec) then rewrites the text.
     */
    private String decode(int[] ids, int count) {
        String raw = decodeRaw(ids, count);
        return denormalizer == null ? raw : denormalizer.normalize(raw);
    }

    /** Decode before the denormalizer (when the model has one) rewrites the text. */
    private String decodeRaw(int[] ids, int count) {
        StringBuilder text = new StringBuilder();
        byte[] run = new byte[count];
        int runLength = 0;
        boolean atStart = true;      // sentencepiece's is_bos_ws
        boolean strippedSpace = false;  // bos_ws_seen: the previous piece gave up its leading U+2581
        for (int i = 0; i < count; i++) {
            int id = ids[i];
            checkId(id);
            if (id < vocab.size() && vocab.isByte(id)) {
                run[runLength++] = (byte) SentencePieceVocab.pieceToByte(vocab.piece(id));
                continue;
            }
            Utf8.decodeLenient(run, 0, runLength, text);
            runLength = 0;
            if (strippedSpace || !text.isEmpty()) {
                atStart = false;
            }
            strippedSpace = false;
            if (atStart && stripLeadingSpace && isText(id) && vocab.piece(id).startsWith(SPACE_SYMBOL)) {
                text.append(vocab.piece(id).substring(SPACE_SYMBOL.length()).replace(SPACE_SYMBOL, " "));
                strippedSpace = !model.normalizerSpec().removeExtraWhitespaces();
            } else {
                text.append(decodePiece(id));
            }
        }
        Utf8.decodeLenient(run, 0, runLength, text);
        return text.toString();
    }

    /** A model piece whose text is its surface (not control, unknown or byte). */
    private boolean isText(int id) {
        return id < vocab.size() && !vocab.isControl(id) && !vocab.isUnknown(id) && !vocab.isByte(id);
    }

    /** The surface of a non-byte piece, U+2581 turned into spaces. */
    private String decodePiece(int id) {
        if (id >= vocab.size()) {
            AddedToken t = added.byId(id);
            return t.special() ? "" : t.content();
        }
        if (vocab.isControl(id)) {
            return "";
        }
        if (vocab.isUnknown(id)) {
            return model.trainerSpec().unkSurface();
        }
        return vocab.piece(id).replace(SPACE_SYMBOL, " ");
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocabSize || (id >= vocab.size() && added.byId(id) == null)) {
            throw new TokenizerException(source + ": id " + id + " is out of range (vocabulary of " + vocabSize + ")");
        }
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(new StreamingDecoder.Source() {
            @Override
            public String decode(int[] ids, int count) {
                return SentencePieceTokenizer.this.decode(ids, count);
            }

            @Override
            public String decodeFinal(int[] ids, int count) {
                String raw = decodeRaw(ids, finalIdCount(ids, count));
                return denormalizer == null ? raw : denormalizer.normalizeFinalPrefix(raw);
            }

            @Override
            public void checkId(int id) {
                SentencePieceTokenizer.this.checkId(id);
            }
        });
    }

    /** All ids but the byte pieces at the end that hold a still-unfinished UTF-8 character. */
    private int finalIdCount(int[] ids, int count) {
        int runStart = count;
        while (runStart > 0 && ids[runStart - 1] < vocab.size() && vocab.isByte(ids[runStart - 1])) {
            runStart--;
        }
        byte[] run = new byte[count - runStart];
        for (int i = runStart; i < count; i++) {
            run[i - runStart] = (byte) SentencePieceVocab.pieceToByte(vocab.piece(ids[i]));
        }
        int pos = 0;
        while (pos < run.length && !Utf8.isTruncatedSequence(run, pos, run.length)) {
            int n = Utf8.validCharLength(run, pos, run.length);
            pos += n < 0 ? 1 : n;
        }
        return runStart + pos;
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return id < vocab.size() ? vocab.piece(id) : added.byId(id).content();
    }

    @Override
    public int pieceToId(String piece) {
        int id = vocab.pieceToId(piece);
        if (id == vocab.unkId() && !vocab.piece(id).equals(piece)) {
            AddedToken t = added.byContent(piece);
            if (t != null) {
                return t.id();
            }
        }
        return id;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** Size of the sentencepiece model alone (without added tokens). */
    public int modelSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        int id = vocab.pieceToId(model.trainerSpec().bosPiece());
        return vocab.isControl(id) ? id : -1;
    }

    @Override
    public int eosId() {
        int id = vocab.pieceToId(model.trainerSpec().eosPiece());
        return vocab.isControl(id) ? id : -1;
    }

    @Override
    public int padId() {
        int id = vocab.pieceToId(model.trainerSpec().padPiece());
        return vocab.isControl(id) ? id : -1;
    }

    @Override
    public int unkId() {
        int id = vocab.pieceToId(model.trainerSpec().unkPiece());
        return vocab.isUnknown(id) ? id : -1;
    }

    /** "BPE" or "UNIGRAM". */
    public String modelType() {
        return model.trainerSpec().modelType().name();
    }

    /** The model's NORMAL/USER_DEFINED/... type name of a piece, for diagnostics and conversion. */
    public String pieceType(int id) {
        checkId(id);
        return id < vocab.size() ? vocab.type(id).name() : "ADDED";
    }

    /** The model's score of a piece (0 for an added token). */
    public float score(int id) {
        checkId(id);
        return id < vocab.size() ? vocab.score(id) : 0f;
    }

    @Override
    public String toString() {
        return "SentencePieceTokenizer[" + source + ", " + modelType() + ", " + vocabSize + " ids]";
    }
}
