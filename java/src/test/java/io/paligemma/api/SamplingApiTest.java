package io.paligemma.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.TokenLogprob;
import io.paligemma.generate.TopLogprob;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.safetensors.SafetensorsFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repetition penalty and log-probabilities through the public API, against Hugging Face's own outputs. */
class SamplingApiTest {
    private static final Path FIXTURES = PaliGemmaApiTest.FIXTURES;

    /**
     * generation.json's greedy_rep entry (issue #15's fixture: greedy decoding with repetition_penalty 1.5 over
     * the prompt and the generated ids) on every visible case and both backends: the penalty is the same logits
     * processor the sampler uses.
     */
    @Test
    void greedyWithRepetitionPenaltyMatchesHuggingFace(@TempDir Path tmp) throws Exception {
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16")) {
            JsonNode root = new ObjectMapper().readTree(FIXTURES.resolve(name).resolve("generation.json").toFile());
            JsonNode entry = root.path("entries").path("greedy_rep");
            float penalty = (float) entry.path("generate_options").path("repetition_penalty").asDouble();
            int[] prompt = ints(root.path("prompt").path("input_ids"));
            int[] expected = ints(entry.path("new_token_ids"));
            assertFalse(entry.path("stopped_by_eos").asBoolean(), "HF keeps the eos, this engine drops it");
            assertFalse(Arrays.equals(expected, ints(entry.path("option_effect").path("control_new_token_ids").get(0))),
                    "the penalty changes the answer");
            Path model = PaliGemmaApiTest.fixtureModel(tmp, name);
            RgbImage image = new ImageDecoder().read(FIXTURES.resolve(name).resolve("image.png"));
            GenerationConfig config = new GenerationConfig(expected.length, SamplingConfig.GREEDY.withRepetitionPenalty(penalty),
                    false, List.of());
            for (Backend b : Backend.values()) {
                try (PaliGemma m = PaliGemma.load(model, Options.defaults().withBackend(b).withThreads(1))) {
                    assertArrayEquals(expected, m.generate(image, prompt, config, null).tokenIds(), name + " " + b);
                }
            }
        }
    }

    /**
     * Greedy logprobs are the log-softmax of the model's logits: checked against Hugging Face's gen_logits, within
     * twice the fixtures' logits tolerance (a log-softmax moves by at most twice the largest logit error).
     */
    @Test
    void greedyLogprobsAreTheLogSoftmaxOfTheReferenceLogits(@TempDir Path tmp) throws Exception {
        String name = "paligemma-tiny";
        int[] prompt;
        float[] logits;
        int steps;
        int vocab;
        try (SafetensorsFile e = SafetensorsFile.open(FIXTURES.resolve(name).resolve("expected.safetensors"))) {
            prompt = Arrays.stream(e.tensor("input_ids").data().toArray(ValueLayout.JAVA_LONG)).mapToInt(Math::toIntExact).toArray();
            steps = Math.toIntExact(e.tensor("gen_logits").dim(0));
            vocab = Math.toIntExact(e.tensor("gen_logits").dim(1));
            logits = e.tensor("gen_logits").data().toArray(ValueLayout.JAVA_FLOAT);
        }
        double maxAbs = IntStream.range(0, logits.length).mapToDouble(i -> Math.abs(logits[i])).max().orElseThrow();
        double tolerance = 2 * 1e-4 * Math.max(1, maxAbs);
        RgbImage image = new ImageDecoder().read(FIXTURES.resolve(name).resolve("image.png"));
        try (PaliGemma m = PaliGemma.load(PaliGemmaApiTest.fixtureModel(tmp, name), Options.defaults().withThreads(1))) {
            Result r = m.generate(image, prompt, new GenerationConfig(steps, SamplingConfig.GREEDY, false, List.of())
                    .withLogprobs(3), null);
            assertEquals(steps, r.logprobs().size());
            for (int s = 0; s < steps; s++) {
                double[] reference = logSoftmax(logits, s * vocab, vocab);
                TokenLogprob t = r.logprobs().get(s);
                assertEquals(r.tokenIds()[s], t.tokenId());
                assertEquals(reference[t.tokenId()], t.logprob(), tolerance, "step " + s);
                assertEquals(3, t.topLogprobs().size());
                assertEquals(t.tokenId(), t.topLogprobs().get(0).tokenId(), "greedy chose the most likely");
                for (TopLogprob a : t.topLogprobs()) {
                    assertEquals(reference[a.tokenId()], a.logprob(), tolerance, "step " + s + " token " + a.tokenId());
                }
            }
        }
    }

    /** Sampled logprobs come from the distribution after the filters: top-k 5 leaves five alternatives summing to 1. */
    @Test
    void sampledLogprobsAreThoseOfTheFilteredDistribution() throws Exception {
        RgbImage image = new ImageDecoder().read(PaliGemmaApiTest.DEMO.resolve("image.png"));
        GenerationConfig config = new GenerationConfig(8, new SamplingConfig(0.7f, 5, 1.0, 0f, 1.2f, 3), false, List.of())
                .withLogprobs(10);
        try (PaliGemma m = PaliGemma.load(PaliGemmaApiTest.DEMO.resolve("checkpoint"), Options.defaults().withThreads(1))) {
            Result r = m.generate(image, "caption en", config);
            assertEquals(r.tokenIds().length, r.logprobs().size());
            for (TokenLogprob t : r.logprobs()) {
                assertEquals(5, t.topLogprobs().size(), "only kept tokens are alternatives");
                double mass = t.topLogprobs().stream().mapToDouble(a -> Math.exp(a.logprob())).sum();
                assertEquals(1.0, mass, 1e-5);
                TopLogprob chosen = t.topLogprobs().stream().filter(a -> a.tokenId() == t.tokenId()).findFirst().orElseThrow();
                assertEquals(chosen.logprob(), t.logprob());
            }
            // a batch gives each answer what it gives alone, logprobs included
            List<Result> batch = m.generateBatch(List.of(image, image), List.of("caption en", "describe en"), config);
            Result alone = m.generate(image, "describe en", config);
            assertArrayEquals(alone.tokenIds(), batch.get(1).tokenIds());
            assertEquals(alone.logprobs(), batch.get(1).logprobs());
            assertEquals(r.logprobs(), batch.get(0).logprobs());
            assertTrue(m.generate(image, "caption en", config.withLogprobs(0)).logprobs().get(0).topLogprobs().isEmpty());
            assertTrue(m.generate(image, "caption en", GenerationConfig.greedy(2)).logprobs().isEmpty());
        }
    }

    private static double[] logSoftmax(float[] x, int from, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[from + i]);
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            z += Math.exp(x[from + i] - max);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[from + i] - max - Math.log(z);
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
