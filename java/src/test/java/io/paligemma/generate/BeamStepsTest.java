package io.paligemma.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The beam search step by step against what Hugging Face recorded in generation.json: at every step the kept
 * beams in HF's order (parent, token, cumulative score within 1e-4 relative), the hypotheses finished at that
 * step, and at the end the whole finished-hypotheses heap (evicted ones excluded) with its scores. The
 * conformance runner checks only the returned rows and scores; this is the scorer's bookkeeping on real runs.
 */
class BeamStepsTest {
    private static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    @Test
    void everyStepKeepsHuggingFacesBeams() throws Exception {
        int entries = 0;
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16")) {
            Path dir = FIXTURES.resolve(name);
            JsonNode root = new ObjectMapper().readTree(dir.resolve("generation.json").toFile());
            int[] ids = ints(root.path("prompt").path("input_ids"));
            try (OpsProvider provider = OpsProvider.open(Backend.NATIVE, 1);
                 SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
                 var model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), provider.ops())) {
                Tensor pv = expected.tensor("pixel_values");
                float[] pixels = pv.data().asSlice(0, pv.elementCount() * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
                for (var e : root.path("entries").properties()) {
                    JsonNode o = e.getValue().path("generate_options");
                    if (o.path("num_beams").asInt(1) > 1) {
                        follow(name + "/" + e.getKey(), e.getValue(), o, model, pixels, ids);
                        entries++;
                    }
                }
            }
        }
        assertEquals(12, entries, "four beam entries per case");
    }

    private static void follow(String what, JsonNode entry, JsonNode o, PaliGemmaForConditionalGeneration model, float[] pixels,
                               int[] ids) {
        int k = o.path("num_beams").asInt();
        int eos = o.path("eos_token_id").asInt(1);
        BeamSearchConfig beams = new BeamSearchConfig(k, o.path("num_return_sequences").asInt(1),
                o.path("length_penalty").asDouble(1.0), o.path("early_stopping").asBoolean(false)
                ? BeamSearchConfig.EarlyStopping.TRUE : BeamSearchConfig.EarlyStopping.FALSE);
        GenerationConfig g = new GenerationConfig(o.path("max_new_tokens").asInt(),
                SamplingConfig.GREEDY.withNoRepeatNgramSize(o.path("no_repeat_ngram_size").asInt(0)), true, List.of())
                .withEosTokenIds(List.of(eos)).withBeams(beams);
        int context = Sequence.contextFor(ids.length, g, Sequence.Goal.TOKENS);
        JsonNode steps = entry.path("steps");
        try (PromptWorkspace ws = new PromptWorkspace(model, ids.length, context, 1);
             DecoderWorkspace act = model.newDecoderWorkspace(k, context, k);
             Sequence seq = new Sequence(model, pixels, ids, ids.length, g, Sequence.Goal.TOKENS,
                     Sequence.samplerFor(ids, g, eos), TokenListener.NONE)) {
            new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
            int finishedSoFar = 0;
            for (int t = 0; ; t++) {
                BeamSearch b = seq.beamSearch();
                JsonNode step = steps.get(t);
                // the finished hypotheses of this step, then (unless the search ended) the kept beams
                List<BeamHypothesis> finished = b.finishedHypotheses();
                assertTrue(finished.size() >= finishedSoFar, what + " step " + t);
                assertEquals(step.path("finished").size(), countNewEos(finished, finishedSoFar, t + 1, step, what),
                        what + " step " + t + " finished");
                finishedSoFar = finished.size();
                if (!seq.finished()) {
                    JsonNode kept = step.path("kept");
                    assertEquals(k, kept.size());
                    int[] parents = b.parents();
                    float[] scores = b.beamScores();
                    for (int j = 0; j < k; j++) {
                        JsonNode want = kept.get(j);
                        String at = what + " step " + t + " beam " + j;
                        assertEquals(want.path("parent").asInt(), parents[j], at + " parent");
                        assertEquals(want.path("token").asInt(), b.lastToken(j), at + " token");
                        double cum = want.path("cum_score").asDouble();
                        assertEquals(cum, scores[j], 1e-4 * Math.abs(cum), at + " score");
                    }
                    DecodeStep.run(model, List.of(seq), act);
                    continue;
                }
                assertEquals(steps.size(), t + 1, what + ": the search ended after " + (t + 1) + " steps");
                break;
            }
            // the heap at the end: HF lists every hypothesis ever added, evicted ones too; ours keeps the kept ones
            List<JsonNode> heap = new ArrayList<>();
            entry.path("finished_hypotheses").forEach(heap::add);
            List<BeamHypothesis> ours = new ArrayList<>(seq.beamSearch().finishedHypotheses());
            ours.sort((x, y) -> Double.compare(y.score(), x.score()));
            assertTrue(ours.size() <= k && ours.size() <= heap.size(), what);
            for (int i = 0; i < ours.size(); i++) {
                JsonNode h = heap.get(i);
                assertArrayEquals(ints(h.path("new_token_ids")), ours.get(i).tokens(), what + " heap " + i);
                assertEquals(h.path("generated_len").asInt(), ours.get(i).generatedLength(), what + " heap " + i);
                assertEquals(h.path("ended_with_eos").asBoolean(), ours.get(i).endedWithEos(), what + " heap " + i);
                double score = h.path("score").asDouble();
                assertEquals(score, ours.get(i).score(), 1e-4 * Math.abs(score), what + " heap " + i);
            }
        }
    }

    /** Hypotheses added at this step that ended on EOS (their generated length is the step's), checked against HF's. */
    private static int countNewEos(List<BeamHypothesis> finished, int before, int length, JsonNode step, String what) {
        int n = 0;
        for (BeamHypothesis h : finished) {
            if (h.endedWithEos() && h.generatedLength() == length) {
                JsonNode want = step.path("finished").get(n);
                assertTrue(want != null, what + ": an EOS hypothesis at step " + (length - 1) + " HF does not have");
                assertEquals(want.path("cum_score").asDouble(), h.sumLogprobs(), 1e-4 * Math.abs(want.path("cum_score").asDouble()));
                n++;
            }
        }
        return n;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
