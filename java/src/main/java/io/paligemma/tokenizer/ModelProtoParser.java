package io.paligemma.tokenizer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a sentencepiece {@code .model} file (a serialized ModelProto) by field number, with the field
 * numbers and defaults of sentencepiece_model.proto; fields it does not use are skipped.
 */
final class ModelProtoParser {

    private ModelProtoParser() {
    }

    /** @param source names the file in error messages */
    static ModelProto parse(byte[] bytes, String source) {
        try {
            return parseModel(CodedInputStream.newInstance(bytes), source);
        } catch (InvalidProtocolBufferException e) {
            throw new TokenizerException(source + ": not a valid SentencePiece model (protobuf): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(source + ": cannot read SentencePiece model: " + e.getMessage(), e);
        }
    }

    private static ModelProto parseModel(CodedInputStream in, String source) throws IOException {
        List<ModelProto.Piece> pieces = new ArrayList<>();
        ModelProto.TrainerSpec trainer = null;
        ModelProto.NormalizerSpec normalizer = null;
        ModelProto.NormalizerSpec denormalizer = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case 10 -> pieces.add(parsePiece(in.readBytes().newCodedInput(), source, pieces.size()));
                case 18 -> trainer = parseTrainerSpec(in.readBytes().newCodedInput(), source);
                case 26 -> normalizer = parseNormalizerSpec(in.readBytes().newCodedInput(), source);
                case 42 -> denormalizer = parseNormalizerSpec(in.readBytes().newCodedInput(), source);
                default -> skip(in, tag, source);
            }
        }
        // every trained model has both specs; without them the file was cut short or is something else
        if (trainer == null || normalizer == null) {
            throw new TokenizerException(source + ": not a complete SentencePiece model: "
                    + (trainer == null ? "trainer_spec" : "normalizer_spec") + " is missing (" + pieces.size()
                    + " pieces read; truncated file?)");
        }
        return new ModelProto(List.copyOf(pieces), trainer, normalizer, denormalizer);
    }

    private static ModelProto.Piece parsePiece(CodedInputStream in, String source, int index) throws IOException {
        String piece = "";
        float score = 0f;
        ModelProto.PieceType type = ModelProto.PieceType.NORMAL;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case 10 -> piece = readUtf8(in, source, "piece " + index);
                case 21 -> score = in.readFloat();
                case 24 -> {
                    int number = in.readEnum();
                    type = ModelProto.PieceType.of(number);
                    if (type == null) {
                        throw new TokenizerException(source + ": piece " + index + " has unknown type " + number);
                    }
                }
                default -> skip(in, tag, source);
            }
        }
        return new ModelProto.Piece(piece, score, type);
    }

    private static ModelProto.TrainerSpec parseTrainerSpec(CodedInputStream in, String source) throws IOException {
        ModelProto.TrainerSpec d = ModelProto.TrainerSpec.DEFAULT;
        ModelProto.ModelType modelType = d.modelType();
        int vocabSize = d.vocabSize();
        boolean byteFallback = d.byteFallback();
        boolean splitDigits = d.splitDigits();
        boolean suffix = d.treatWhitespaceAsSuffix();
        boolean wsOnly = d.allowWhitespaceOnlyPieces();
        int unkId = d.unkId();
        int bosId = d.bosId();
        int eosId = d.eosId();
        int padId = d.padId();
        String unkPiece = d.unkPiece();
        String bosPiece = d.bosPiece();
        String eosPiece = d.eosPiece();
        String padPiece = d.padPiece();
        String unkSurface = d.unkSurface();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case 24 -> {
                    int number = in.readEnum();
                    modelType = ModelProto.ModelType.of(number);
                    if (modelType == null) {
                        throw new TokenizerException(source + ": trainer_spec.model_type " + number + " is unknown");
                    }
                }
                case 32 -> vocabSize = in.readInt32();
                case 280 -> byteFallback = in.readBool();          // 35
                case 200 -> splitDigits = in.readBool();           // 25
                case 192 -> suffix = in.readBool();                // 24
                case 208 -> wsOnly = in.readBool();                // 26
                case 320 -> unkId = in.readInt32();                // 40
                case 328 -> bosId = in.readInt32();                // 41
                case 336 -> eosId = in.readInt32();                // 42
                case 344 -> padId = in.readInt32();                // 43
                case 354 -> unkSurface = readUtf8(in, source, "trainer_spec.unk_surface");  // 44
                case 362 -> unkPiece = readUtf8(in, source, "trainer_spec.unk_piece");      // 45
                case 370 -> bosPiece = readUtf8(in, source, "trainer_spec.bos_piece");      // 46
                case 378 -> eosPiece = readUtf8(in, source, "trainer_spec.eos_piece");      // 47
                case 386 -> padPiece = readUtf8(in, source, "trainer_spec.pad_piece");      // 48
                default -> skip(in, tag, source);
            }
        }
        return new ModelProto.TrainerSpec(modelType, vocabSize, byteFallback, splitDigits, suffix, wsOnly,
                unkId, bosId, eosId, padId, unkPiece, bosPiece, eosPiece, padPiece, unkSurface);
    }

    private static ModelProto.NormalizerSpec parseNormalizerSpec(CodedInputStream in, String source) throws IOException {
        ModelProto.NormalizerSpec d = ModelProto.NormalizerSpec.DEFAULT;
        String name = d.name();
        byte[] charsmap = d.precompiledCharsmap();
        boolean dummyPrefix = d.addDummyPrefix();
        boolean removeExtra = d.removeExtraWhitespaces();
        boolean escape = d.escapeWhitespaces();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case 10 -> name = readUtf8(in, source, "normalizer_spec.name");
                case 18 -> charsmap = in.readByteArray();
                case 24 -> dummyPrefix = in.readBool();
                case 32 -> removeExtra = in.readBool();
                case 40 -> escape = in.readBool();
                default -> skip(in, tag, source);
            }
        }
        return new ModelProto.NormalizerSpec(name, charsmap, dummyPrefix, removeExtra, escape);
    }

    private static String readUtf8(CodedInputStream in, String source, String field) throws IOException {
        byte[] raw = in.readByteArray();
        String s = new String(raw, StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), raw)) {
            throw new TokenizerException(source + ": " + field + " is not valid UTF-8");
        }
        return s;
    }

    private static void skip(CodedInputStream in, int tag, String source) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_END_GROUP || !in.skipField(tag)) {
            throw new TokenizerException(source + ": unexpected end-group tag (field "
                    + WireFormat.getTagFieldNumber(tag) + ")");
        }
    }
}
