package io.paligemma.conformance;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Ops;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A model case run with int8 weights ({@code conformance --weights int8}): int8 cannot match the float32
 * reference to 1e-4, so instead of the exact checks this measures how far it is, against stated limits,
 * over the prompt's logits (logits_prefill) and the greedy steps (gen_logits, teacher-forced with the
 * reference's own tokens so that every step compares the same context): the largest |Δ logit| relative
 * to the largest reference logit, the top-1 agreement of the greedy steps, and the mean KL divergence
 * of the next-token distributions. The float32 and bf16 checks and their tolerances are untouched.
 */
final class Int8ModelCase {

    /*
     * The limits, from what correct Q8_0 gives on the fixtures' tiny random models (both backends alike,
     * 2026-12-05): max |Δ| / max |logit| 0.058-0.157, top-1 agreement 0.75-0.92, mean KL 2.2e-4 - 9.5e-4
     * nats. Random tiny models have nearly flat logits, so a near-tie decides many greedy steps and top-1
     * is the weakest of the three; KL is the sharpest (weights rounded toward zero instead of to nearest
     * raised it to 1.7e-3 - 2.7e-3 on the same cases). BENCHMARKS.md has the full-size figures.
     */
    /** Largest |Δ logit| / max |reference logit| allowed. */
    static final double MAX_REL_ERROR = 0.25;
    /** Smallest fraction of greedy steps whose next token agrees with the reference. */
    static final double MIN_TOP1 = 0.6;
    /** Largest mean KL(p_ref ‖ p_int8), nats. */
    static final double MAX_MEAN_KL = 2e-3;

    private Int8ModelCase() {
    }

    static List<CheckResult> run(Path dir, Ops ops, Quantization quantization) {
        String name = dir.getFileName().toString() + "/int8";
        List<CheckResult> results = new ArrayList<>();
        try {
            measure(dir, ops, quantization, name, results);
        } catch (RuntimeException | IOException e) {
            results.add(CheckResult.failed(name + "/error", e.toString()));
        }
        return results;
    }

    private static void measure(Path dir, Ops ops, Quantization quantization, String name, List<CheckResult> results)
            throws IOException {
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
             var model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), ops, quantization)) {
            PaliGemmaConfig cfg = model.config();
            int v = cfg.textConfig().vocabSize();
            float[] pixels = SiglipImageProcessor.fromPretrained(dir.resolve("checkpoint"))
                    .preprocess(ModelCase.readImages(dir).get(0));
            int[] ids = Compare.ints(expected.tensor("input_ids"));
            Optional<Tensor> genIds = expected.find("gen_ids");
            int steps = genIds.map(t -> Math.toIntExact(t.dim(-1))).orElse(1);
            long[] reference = genIds.map(Compare::longs).orElse(null);
            LogitsTrace trace = LogitsTrace.run(model, pixels, ids, ids.length, reference, steps);
            LogitMetrics prefill = LogitMetrics.of(trace.prompt(), Compare.floats(expected.tensor("logits_prefill")), v);
            results.add(maxError(name + "/logits_prefill", prefill));
            results.add(kl(name + "/logits_prefill", prefill));
            if (genIds.isPresent()) {
                LogitMetrics gen = LogitMetrics.of(trace.steps(), Compare.floats(expected.tensor("gen_logits")), v);
                results.add(maxError(name + "/gen_logits", gen));
                results.add(top1(name + "/gen_top1", gen));
                results.add(kl(name + "/gen_logits", gen));
            }
        }
    }

    private static CheckResult maxError(String name, LogitMetrics m) {
        return new CheckResult(name + "_max_error", m.maxRelError() <= MAX_REL_ERROR, String.format(Locale.ROOT,
                "max|Δ logit| / max|logit| = %.4f over %d rows (limit %.2f)", m.maxRelError(), m.rows(), MAX_REL_ERROR));
    }

    private static CheckResult top1(String name, LogitMetrics m) {
        return new CheckResult(name, m.agreement() >= MIN_TOP1, String.format(Locale.ROOT,
                "top-1 agreement %d/%d = %.3f (limit >= %.2f)", m.agreeing(), m.rows(), m.agreement(), MIN_TOP1));
    }

    private static CheckResult kl(String name, LogitMetrics m) {
        return new CheckResult(name + "_kl", m.meanKl() <= MAX_MEAN_KL, String.format(Locale.ROOT,
                "mean KL(ref || int8) = %.2e nats over %d rows (limit %.0e)", m.meanKl(), m.rows(), MAX_MEAN_KL));
    }
}
