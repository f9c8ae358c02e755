package io.paligemma.tokenizer;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a sentencepiece {@code tokenizer.model} (a serialized ModelProto) piece by piece. It writes the fields
 * {@link ModelProtoParser} reads, with the same field numbers (sentencepiece_model.proto), in field-number order
 * as protobuf does: pieces (piece, score, type), trainer_spec, normalizer_spec, denormalizer_spec.
 */
public final class SentencePieceModelWriter {

    private final List<ModelProto.Piece> pieces;
    private final Map<String, Integer> ids;
    private final ModelProto.TrainerSpec trainer;  // vocab_size is set to the piece count when written
    private final ModelProto.NormalizerSpec normalizer;
    private boolean hasBytes;

    private SentencePieceModelWriter(int expectedPieces, ModelProto.TrainerSpec trainer,
                                     ModelProto.NormalizerSpec normalizer) {
        this.pieces = new ArrayList<>(expectedPieces);
        this.ids = new HashMap<>(expectedPieces * 4 / 3 + 16);
        this.trainer = trainer;
        this.normalizer = normalizer;
    }

    /**
     * A BPE model with the settings of Gemma's tokenizer: byte fallback, split digits, whitespace-only pieces
     * allowed, identity normalization without dummy prefix or whitespace collapsing, spaces escaped to U+2581.
     * Ids 0–3 are already {@code <pad>}, {@code <eos>}, {@code <bos>} (control) and {@code <unk>}.
     *
     * @param expectedPieces a size hint
     */
    public static SentencePieceModelWriter gemmaBpe(int expectedPieces) {
        ModelProto.TrainerSpec trainer = new ModelProto.TrainerSpec(ModelProto.ModelType.BPE, 0, true, true, false,
                true, 3, 2, 1, 0, "<unk>", "<bos>", "<eos>", "<pad>", ModelProto.TrainerSpec.DEFAULT.unkSurface());
        ModelProto.NormalizerSpec normalizer = new ModelProto.NormalizerSpec("identity", new byte[0], false, false, true);
        SentencePieceModelWriter w = new SentencePieceModelWriter(expectedPieces, trainer, normalizer);
        w.add(trainer.padPiece(), 0f, ModelProto.PieceType.CONTROL);
        w.add(trainer.eosPiece(), 0f, ModelProto.PieceType.CONTROL);
        w.add(trainer.bosPiece(), 0f, ModelProto.PieceType.CONTROL);
        w.add(trainer.unkPiece(), 0f, ModelProto.PieceType.UNKNOWN);
        return w;
    }

    /** Adds a piece the segmenter merges into; returns its id. */
    public int addNormal(String piece, float score) {
        return add(piece, score, ModelProto.PieceType.NORMAL);
    }

    /** Adds a piece that is always cut out of the text whole (sentencepiece's user_defined_symbols). */
    public int addUserDefined(String piece) {
        return add(piece, 0f, ModelProto.PieceType.USER_DEFINED);
    }

    /** Adds a piece that encoding never produces and decoding drops. */
    public int addControl(String piece) {
        return add(piece, 0f, ModelProto.PieceType.CONTROL);
    }

    /** Adds the 256 byte-fallback pieces {@code <0x00>}…{@code <0xFF>}; returns the id of {@code <0x00>}. */
    public int addBytePieces() {
        int first = pieces.size();
        for (int b = 0; b < 256; b++) {
            add(SentencePieceVocab.byteToPiece(b), 0f, ModelProto.PieceType.BYTE);
        }
        hasBytes = true;
        return first;
    }

    public boolean contains(String piece) {
        return ids.containsKey(piece);
    }

    public int size() {
        return pieces.size();
    }

    private int add(String piece, float score, ModelProto.PieceType type) {
        if (piece.isEmpty()) {
            throw new IllegalArgumentException("piece " + pieces.size() + " is empty");
        }
        int id = pieces.size();
        Integer old = ids.putIfAbsent(piece, id);
        if (old != null) {
            throw new IllegalArgumentException("piece '" + piece + "' is already id " + old);
        }
        pieces.add(new ModelProto.Piece(piece, score, type));
        return id;
    }

    /** The serialized ModelProto. */
    public byte[] toByteArray() {
        if (trainer.byteFallback() && !hasBytes) {
            throw new IllegalStateException("byte_fallback is on but the byte pieces <0x00>..<0xFF> were not added");
        }
        ModelProto.TrainerSpec t = trainer;
        ModelProto.TrainerSpec sized = new ModelProto.TrainerSpec(t.modelType(), pieces.size(), t.byteFallback(),
                t.splitDigits(), t.treatWhitespaceAsSuffix(), t.allowWhitespaceOnlyPieces(), t.unkId(), t.bosId(),
                t.eosId(), t.padId(), t.unkPiece(), t.bosPiece(), t.eosPiece(), t.padPiece(), t.unkSurface());
        return serialize(new ModelProto(pieces, sized, normalizer, null));
    }

    public void write(Path file) throws IOException {
        Files.write(file, toByteArray());
    }

    /** A ModelProto as protobuf bytes, field by field; {@link ModelProtoParser#parse} reads back the same model. */
    static byte[] serialize(ModelProto model) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(model.pieces().size() * 16 + 1024);
        CodedOutputStream out = CodedOutputStream.newInstance(bytes, 1 << 16);
        try {
            for (ModelProto.Piece p : model.pieces()) {
                // nested message written in place: its length is computed instead of buffering it
                int size = CodedOutputStream.computeStringSize(1, p.piece()) + CodedOutputStream.computeFloatSize(2, p.score())
                        + CodedOutputStream.computeEnumSize(3, p.type().number);
                out.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(size);
                out.writeString(1, p.piece());
                out.writeFloat(2, p.score());
                out.writeEnum(3, p.type().number);
            }
            out.writeByteArray(2, trainerSpec(model.trainerSpec()));
            out.writeByteArray(3, normalizerSpec(model.normalizerSpec()));
            if (model.denormalizerSpec() != null) {
                out.writeByteArray(5, normalizerSpec(model.denormalizerSpec()));
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);  // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static byte[] trainerSpec(ModelProto.TrainerSpec t) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeEnum(3, t.modelType().number);
        out.writeInt32(4, t.vocabSize());
        out.writeBool(24, t.treatWhitespaceAsSuffix());
        out.writeBool(25, t.splitDigits());
        out.writeBool(26, t.allowWhitespaceOnlyPieces());
        out.writeBool(35, t.byteFallback());
        out.writeInt32(40, t.unkId());
        out.writeInt32(41, t.bosId());
        out.writeInt32(42, t.eosId());
        out.writeInt32(43, t.padId());
        out.writeString(44, t.unkSurface());
        out.writeString(45, t.unkPiece());
        out.writeString(46, t.bosPiece());
        out.writeString(47, t.eosPiece());
        out.writeString(48, t.padPiece());
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] normalizerSpec(ModelProto.NormalizerSpec n) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeString(1, n.name());
        if (n.precompiledCharsmap().length > 0) {
            out.writeByteArray(2, n.precompiledCharsmap());
        }
        out.writeBool(3, n.addDummyPrefix());
        out.writeBool(4, n.removeExtraWhitespaces());
        out.writeBool(5, n.escapeWhitespaces());
        out.flush();
        return bytes.toByteArray();
    }
}
