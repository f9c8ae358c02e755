package io.paligemma.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.generate.BeamHypothesis;
import io.paligemma.generate.BeamSearchConfig;
import io.paligemma.generate.BeamSearchScorer;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Ops;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A model case's {@code generation.json} (the fixtures' generation-README.md): every entry is one request of
 * Hugging Face's {@code generate()} options (beam search, repetition penalty, n-gram ban, min new tokens, EOS ids),
 * run through the request pipeline ({@link Sequence}, {@link Prefill}, batched {@link DecodeStep}s) on the case's
 * checkpoint with its stored {@code pixel_values} and prompt ids. One check per entry, named
 * {@code generation/<entry>}: the returned rows' token ids exactly as HF returns them (EOS and pad filling
 * included), and each {@code sequences_scores} value within 1e-4 relative. Nothing here knows the case or the
 * entry names: every setting comes from the entry's {@code generate_options}, and an option this runner does not
 * know fails its entry by name.
 */
final class GenerationConformance {
    static final String FILE = "generation.json";
    /** Scores: |ours − HF| ≤ REL · |HF| (the tolerance; the fixtures keep every gap ≥ 1e-3). */
    static final double REL = 1e-4;
    private static final Set<String> KNOWN = Set.of("do_sample", "num_beams", "num_return_sequences", "max_new_tokens",
            "length_penalty", "early_stopping", "repetition_penalty", "no_repeat_ngram_size", "min_new_tokens",
            "eos_token_id", "pad_token_id");

    private GenerationConformance() {
    }

    /** A model case ({@code checkpoint/} + {@code expected.safetensors}) with a {@code generation.json}. */
    static boolean matches(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE)) && ModelCase.matches(dir);
    }

    static List<CheckResult> run(Path dir, Ops ops) {
        List<CheckResult> results = new ArrayList<>();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dir.resolve(FILE).toFile());
        } catch (IOException e) {
            return List.of(CheckResult.failed("generation/error", FILE + " cannot be read: " + e.getMessage()));
        }
        int format = root.path("format_version").asInt(-1);
        if (format != 1 || !root.path("entries").isObject() || !root.path("prompt").path("input_ids").isArray()) {
            return List.of(CheckResult.failed("generation/error", FILE + ": expected format_version 1 with prompt.input_ids "
                    + "and entries (got format_version " + format + ")"));
        }
        int[] ids = ints(root.path("prompt").path("input_ids"));
        JsonNode defaults = root.path("generation_config");
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
             var model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), ops)) {
            float[] pixels = expected.find("pixel_values").map(Compare::floats).orElse(null);
            if (pixels == null) {
                pixels = SiglipImageProcessor.fromPretrained(dir.resolve("checkpoint")).preprocess(ModelCase.readImages(dir).get(0));
            }
            for (Map.Entry<String, JsonNode> e : root.path("entries").properties()) {
                String name = "generation/" + e.getKey();
                try {
                    results.add(check(name, e.getValue(), defaults, model, pixels, ids));
                } catch (RuntimeException ex) {
                    results.add(CheckResult.failed(name, ex.toString()));
                }
            }
        } catch (RuntimeException | IOException e) {
            results.add(CheckResult.failed("generation/error", e.toString()));
        }
        return results;
    }

    private static CheckResult check(String name, JsonNode entry, JsonNode defaults, PaliGemmaForConditionalGeneration model,
                                     float[] pixels, int[] ids) {
        if (entry.has("dropped")) {
            return new CheckResult(name, true, "dropped by the generator (" + entry.path("dropped").asText()
                    + "): no expected output to check");
        }
        JsonNode o = entry.path("generate_options");
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KNOWN.contains(key)) {
                return CheckResult.failed(name, "generate option '" + key + "' is not supported by this runner");
            }
        }
        if (o.path("do_sample").asBoolean(false)) {
            return CheckResult.failed(name, "do_sample=True: sampled generation depends on torch's random stream, which "
                    + "this engine does not reproduce");
        }
        int maxNew = o.path("max_new_tokens").asInt(-1);
        int[] eos = o.has("eos_token_id") ? idList(o.path("eos_token_id")) : idList(defaults.path("eos_token_id"));
        int pad = o.has("pad_token_id") ? o.path("pad_token_id").asInt() : defaults.path("pad_token_id").asInt(0);
        int numBeams = o.path("num_beams").asInt(1);
        BeamSearchConfig beams = numBeams == 1 ? BeamSearchConfig.NONE : new BeamSearchConfig(numBeams,
                o.path("num_return_sequences").asInt(1), number(o, defaults, "length_penalty", 1.0),
                earlyStopping(o.has("early_stopping") ? o.path("early_stopping") : defaults.path("early_stopping")));
        SamplingConfig sampling = SamplingConfig.GREEDY.withRepetitionPenalty((float) o.path("repetition_penalty").asDouble(1.0))
                .withNoRepeatNgramSize(o.path("no_repeat_ngram_size").asInt(0));
        GenerationConfig g = new GenerationConfig(maxNew, sampling, true, List.of(), false, 0,
                o.path("min_new_tokens").asInt(0), Arrays.stream(eos).boxed().toList(), beams);

        int l = ids.length;
        int rows = g.rows();
        int context = Sequence.contextFor(l, g, Sequence.Goal.TOKENS);
        try (PromptWorkspace ws = new PromptWorkspace(model, l, Math.max(l, context), 1);
             DecoderWorkspace act = model.newDecoderWorkspace(rows, context, rows);
             Sequence seq = new Sequence(model, pixels, ids, l, g, Sequence.Goal.TOKENS,
                     Sequence.samplerFor(ids, g, model.config().eosTokenId()), TokenListener.NONE)) {
            new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
            DecodeStep.untilDone(model, List.of(seq), act);
            if (seq.failure() != null) {
                return CheckResult.failed(name, "the request failed: " + seq.failure());
            }
            int[][] want = intRows(entry.path("returned_new_token_ids"));
            int[][] got;
            float[] scores;
            if (beams.enabled()) {
                List<BeamHypothesis> h = seq.hypotheses();
                got = BeamSearchScorer.rows(h, maxNew, eos, pad);
                scores = new float[h.size()];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = h.get(i).sequenceScore();
                }
            } else {
                int[] t = seq.tokens();
                boolean ended = seq.finishReason() == FinishReason.EOS;
                int[] row = Arrays.copyOf(t, t.length + (ended ? 1 : 0));
                if (ended) {
                    row[t.length] = seq.eosToken();
                }
                got = new int[][] {row};
                scores = new float[0];
            }
            return compare(name, got, want, scores, entry.path("sequences_scores"), g);
        }
    }

    private static CheckResult compare(String name, int[][] got, int[][] want, float[] scores, JsonNode wantScores,
                                       GenerationConfig g) {
        String setting = describe(g);
        if (!Arrays.deepEquals(got, want)) {
            return CheckResult.failed(name, "returned ids " + Arrays.deepToString(got) + ", Hugging Face "
                    + Arrays.deepToString(want) + "; " + setting);
        }
        double worst = 0;
        if (wantScores.isArray()) {
            if (wantScores.size() != scores.length) {
                return CheckResult.failed(name, scores.length + " sequence scores, Hugging Face " + wantScores.size());
            }
            for (int i = 0; i < scores.length; i++) {
                double e = wantScores.get(i).asDouble();
                double rel = Math.abs(scores[i] - e) / Math.abs(e);
                if (!(rel <= REL)) {
                    return CheckResult.failed(name, String.format(Locale.ROOT, "sequence %d score %.9g, Hugging Face %.9g "
                            + "(relative error %.3g > %.0e); %s", i, scores[i], e, rel, REL, setting));
                }
                worst = Math.max(worst, rel);
            }
        } else if (scores.length > 0) {
            return CheckResult.failed(name, "Hugging Face returned no sequences_scores where this engine has " + scores.length);
        }
        return new CheckResult(name, true, String.format(Locale.ROOT, "%d row(s) of %d ids exact%s; %s", got.length,
                got[0].length, scores.length > 0 ? String.format(Locale.ROOT, ", scores max rel err %.2g", worst) : "",
                setting));
    }

    private static String describe(GenerationConfig g) {
        StringBuilder b = new StringBuilder(g.beams().enabled() ? "beams " + g.beams().numBeams() + " return "
                + g.beams().numReturnSequences() + " lp " + g.beams().lengthPenalty() + " early "
                + g.beams().earlyStopping().name().toLowerCase(Locale.ROOT) : "greedy");
        b.append(", max new ").append(g.maxNewTokens());
        if (g.sampling().repetitionPenalty() != 1f) {
            b.append(", repetition ").append(g.sampling().repetitionPenalty());
        }
        if (g.sampling().noRepeatNgramSize() > 0) {
            b.append(", no-repeat ").append(g.sampling().noRepeatNgramSize());
        }
        if (g.minNewTokens() > 0) {
            b.append(", min new ").append(g.minNewTokens());
        }
        return b.append(", eos ").append(g.eosTokenIds()).toString();
    }

    private static BeamSearchConfig.EarlyStopping earlyStopping(JsonNode v) {
        if (v.isBoolean()) {
            return v.asBoolean() ? BeamSearchConfig.EarlyStopping.TRUE : BeamSearchConfig.EarlyStopping.FALSE;
        }
        if (v.isMissingNode() || v.isNull()) {
            return BeamSearchConfig.EarlyStopping.FALSE;
        }
        return BeamSearchConfig.EarlyStopping.parse(v.asText());
    }

    private static double number(JsonNode o, JsonNode defaults, String key, double otherwise) {
        JsonNode v = o.has(key) ? o.path(key) : defaults.path(key);
        return v.isNumber() ? v.asDouble() : otherwise;
    }

    /** An id or a list of ids (HF accepts both for eos_token_id); none when absent or null. */
    private static int[] idList(JsonNode v) {
        if (v.isArray()) {
            return ints(v);
        }
        return v.isNumber() ? new int[] {v.asInt()} : new int[0];
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static int[][] intRows(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints(rows.get(i));
        }
        return out;
    }
}
