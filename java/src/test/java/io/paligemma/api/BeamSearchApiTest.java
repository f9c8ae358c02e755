package io.paligemma.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.generate.BeamSearchConfig;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beam search through the public API against Hugging Face's own outputs: generation.json's beam4_lp_eos entry
 * (4 or 5 beams, 2 returned, length_penalty 0.5, early stopping, an EOS id that finishes hypotheses at different
 * lengths) on every visible case: each returned sequence's ids (EOS dropped, as the API drops it), how it ended,
 * its score; the streamed text is the best sequence's, delivered once the search has ended.
 */
class BeamSearchApiTest {
    private static final Path FIXTURES = PaliGemmaApiTest.FIXTURES;

    @Test
    void returnedSequencesAreHuggingFacesBestFirst(@TempDir Path tmp) throws Exception {
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16")) {
            JsonNode root = new ObjectMapper().readTree(FIXTURES.resolve(name).resolve("generation.json").toFile());
            JsonNode entry = root.path("entries").path("beam4_lp_eos");
            JsonNode o = entry.path("generate_options");
            int[] prompt = ints(root.path("prompt").path("input_ids"));
            GenerationConfig config = GenerationConfig.greedy(o.path("max_new_tokens").asInt())
                    .withEosTokenIds(List.of(o.path("eos_token_id").asInt()))
                    .withBeams(new BeamSearchConfig(o.path("num_beams").asInt(), o.path("num_return_sequences").asInt(),
                            o.path("length_penalty").asDouble(), BeamSearchConfig.EarlyStopping.TRUE));
            List<JsonNode> want = new ArrayList<>();
            entry.path("finished_hypotheses").forEach(h -> {
                if (h.path("returned").asBoolean()) {
                    want.add(h);
                }
            });
            Path model = PaliGemmaApiTest.fixtureModel(tmp.resolve(name), name);
            RgbImage image = new ImageDecoder().read(FIXTURES.resolve(name).resolve("image.png"));
            for (Backend b : Backend.values()) {
                try (PaliGemma m = PaliGemma.load(model, Options.defaults().withBackend(b).withThreads(1))) {
                    StringBuilder streamed = new StringBuilder();
                    Result r = m.generate(image, prompt, config, streamed::append);
                    assertEquals(want.size(), r.sequences().size(), name + " " + b);
                    for (int i = 0; i < want.size(); i++) {
                        GeneratedSequence s = r.sequences().get(i);
                        JsonNode h = want.get(i);
                        assertArrayEquals(ints(h.path("new_token_ids")), s.tokenIds(), name + " " + b + " sequence " + i);
                        assertEquals(h.path("ended_with_eos").asBoolean() ? FinishReason.EOS : FinishReason.MAX_TOKENS,
                                s.finishReason());
                        double score = entry.path("sequences_scores").get(i).asDouble();
                        assertEquals(score, s.score(), 1e-4 * Math.abs(score), name + " " + b + " score " + i);
                        assertEquals(m.tokenizer().decode(s.tokenIds()), s.text());
                    }
                    assertArrayEquals(r.sequences().get(0).tokenIds(), r.tokenIds());
                    assertEquals(r.sequences().get(0).text(), r.text());
                    assertEquals(r.text(), streamed.toString());
                    assertTrue(r.sequences().stream().anyMatch(s -> s.finishReason() == FinishReason.EOS), "EOS covered");
                }
            }
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
