package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.paligemma.tokenizer.Fixtures.JsonCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;


/**
 * tokenizer-extra/sentencepiece_variant_cases.json: fixture models with spec fields or piece types changed
 * (UNUSED pieces in BPE, USER_DEFINED/UNUSED in unigram, whitespace kept, whitespace as suffix, no escaping),
 * with sentencepiece 0.1.97's results. The same changes are applied here to the fixture .model bytes.
 */
class SentencePieceVariantTest {

    private static final Map<String, SentencePieceTokenizer> MODELS = new HashMap<>();

    private static JsonNode variants() {
        return Fixtures.readJson(Fixtures.extraDir().resolve("sentencepiece_variant_cases.json")).path("variants");
    }

    private static synchronized SentencePieceTokenizer model(String name, JsonNode variant) throws IOException {
        SentencePieceTokenizer t = MODELS.get(name);
        if (t == null) {
            byte[] base = Files.readAllBytes(Fixtures.tokenizerDir().resolve(variant.path("base").asText()));
            t = SentencePieceTokenizer.fromBytes(patch(base, variant), name);
            MODELS.put(name, t);
        }
        return t;
    }

    /** Rewrites piece types (ModelProto.pieces[i].type) and bool spec fields by field number. */
    private static byte[] patch(byte[] model, JsonNode variant) throws InvalidProtocolBufferException {
        UnknownFieldSet root = UnknownFieldSet.parseFrom(model);
        UnknownFieldSet.Builder out = root.toBuilder();

        List<ByteString> pieces = new ArrayList<>(root.getField(1).getLengthDelimitedList());
        for (Map.Entry<String, JsonNode> e : variant.path("piece_types").properties()) {
            int index = Integer.parseInt(e.getKey());
            int type = ModelProto.PieceType.valueOf(e.getValue().asText()).number;
            pieces.set(index, setVarint(pieces.get(index), 3, type));
        }
        UnknownFieldSet.Field.Builder pieceField = UnknownFieldSet.Field.newBuilder();
        pieces.forEach(pieceField::addLengthDelimited);
        out.addField(1, pieceField.build());

        Map<String, Integer> normalizerFields = Map.of("add_dummy_prefix", 3, "remove_extra_whitespaces", 4,
                "escape_whitespaces", 5);
        Map<String, Integer> trainerFields = Map.of("treat_whitespace_as_suffix", 24);
        out.addField(3, patchSpec(root.getField(3), variant.path("normalizer_spec"), normalizerFields));
        out.addField(2, patchSpec(root.getField(2), variant.path("trainer_spec"), trainerFields));
        return out.build().toByteArray();
    }

    private static UnknownFieldSet.Field patchSpec(UnknownFieldSet.Field field, JsonNode values,
                                                   Map<String, Integer> numbers) {
        ByteString spec = field.getLengthDelimitedList().getLast();
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            Integer number = numbers.get(e.getKey());
            if (number == null) {
                throw new IllegalArgumentException("unknown spec field " + e.getKey());
            }
            spec = setVarint(spec, number, e.getValue().asBoolean() ? 1 : 0);
        }
        return UnknownFieldSet.Field.newBuilder().addLengthDelimited(spec).build();
    }

    private static ByteString setVarint(ByteString message, int number, long value) {
        try {
            return UnknownFieldSet.parseFrom(message).toBuilder()
                    .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(value).build())
                    .build().toByteString();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonCase> encodeCases() {
        return Fixtures.jsonCases(variants(), "cases");
    }

    static List<JsonCase> decodeCases() {
        return Fixtures.jsonCases(variants(), "decode_cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodeCases")
    void encodes(JsonCase jc) throws IOException {
        Fixtures.assertEncodes(model(jc.name(), jc.owner()), jc.json());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodeCases")
    void decodes(JsonCase jc) throws IOException {
        JsonNode c = jc.json();
        Fixtures.assertDecodes(model(jc.name(), jc.owner()), Fixtures.ints(c.path("ids")), c.path("decoded").asText());
    }
}
