package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.generate.BeamSearchConfig;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.paligemma.PaliGemmaProcessor;
import io.paligemma.tensor.FloatMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What beam search costs per output token: one prompt is computed once; then, for each beam count k (1 = greedy
 * decoding), a request starts from its keys and values (exact prefix reuse; with beams the prompt is forked into
 * the k caches) and runs {@code steps} decode steps, each timed whole: the batched forward of its k rows, the
 * beam step (log-softmax, candidates, bookkeeping) and the caches' reorder. The beam counts take turns,
 * {@code rounds} times, so a noisy neighbour hits them alike; each row reports the median and the best step.
 */
public final class BeamBench {
    private BeamBench() {
    }

    /** One beam count's steps: seconds per decode step (= per output token), over every round. */
    public record Row(int beams, int steps, double medianSeconds, double bestSeconds) {
    }

    public static List<Row> run(Path dir, Backend backend, int threads, List<Integer> beamCounts, int steps, int rounds,
                                Consumer<String> log) {
        if (steps < 1 || rounds < 1) {
            throw new IllegalArgumentException("decode steps and rounds must be >= 1, got " + steps + " and " + rounds);
        }
        int most = beamCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
        try (OpsProvider provider = OpsProvider.open(backend, threads);
             PaliGemmaForConditionalGeneration model = PaliGemmaForConditionalGeneration.load(dir, provider.ops())) {
            for (int k : beamCounts) {
                if (k < 1 || k > model.maxDecodeRows()) {
                    throw new IllegalArgumentException("--beams " + k + ": a request takes 1 to " + model.maxDecodeRows()
                            + " beams on the " + backend.id() + " backend");
                }
            }
            PaliGemmaConfig config = model.config();
            Workload work = Workload.of(config, steps + 1, Workload.syntheticImage(640, 480));
            // the first token comes from the prompt's logits, then `steps` decode steps; EOS does not end them
            GenerationConfig greedy = new GenerationConfig(steps + 1, SamplingConfig.GREEDY, false, List.of());
            int context = Sequence.contextFor(work.promptTokens(), greedy, Sequence.Goal.TOKENS);
            float[] pixels = new PaliGemmaProcessor(config, PaliGemmaProcessor.imageProcessor(dir), null).pixelValues(work.image());
            double[][] times = new double[beamCounts.size()][rounds * steps];
            try (PromptWorkspace ws = new PromptWorkspace(model, Math.max(work.promptTokens(), most), context, most);
                 Sequence prompt = Sequence.forTokens(model, pixels, work.promptIds(), greedy, id -> true)) {
                log.accept("prefill of " + work.promptTokens() + " tokens, once");
                Prefill prefill = new Prefill(model, prompt, ws, Probe.NONE, 1);
                prefill.runToEnd();
                FloatMatrix lastLogits = DecodeRowsBench.copy(prefill.lastLogits());
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < beamCounts.size(); i++) {
                        int k = beamCounts.get(i);
                        log.accept("round " + (r + 1) + ": " + (k == 1 ? "greedy" : k + " beams") + ", " + steps + " steps");
                        GenerationConfig g = k == 1 ? greedy : greedy.withBeams(BeamSearchConfig.beams(k));
                        try (Sequence s = Sequence.forTokens(model, pixels, work.promptIds(), g, id -> true)) {
                            s.reusePrefix(prompt.cache(), lastLogits);
                            for (int t = 0; t < steps; t++) {
                                long t0 = System.nanoTime();
                                DecodeStep.run(model, List.of(s), ws.decoder());
                                times[i][r * steps + t] = (System.nanoTime() - t0) * 1e-9;
                            }
                            if (!s.finished() || s.tokens().length != steps + 1) {
                                throw new IllegalStateException("the " + k + "-beam request did not end after " + steps
                                        + " decode steps");
                            }
                        }
                    }
                }
            }
            List<Row> out = new ArrayList<>();
            for (int i = 0; i < beamCounts.size(); i++) {
                out.add(new Row(beamCounts.get(i), times[i].length, Stats.median(times[i]),
                        Arrays.stream(times[i]).min().orElseThrow()));
            }
            return out;
        }
    }

    /** The table: seconds per decode step (per output token), median and best, and the ratio to greedy. */
    public static String table(List<Row> rows) {
        Row one = rows.stream().filter(r -> r.beams() == 1).findFirst().orElse(null);
        TextTable t = new TextTable().row(List.of("beams", "steps", "ms/token (median)", "ms/token (best)", "vs greedy (median)",
                "vs greedy (best)"));
        for (Row r : rows) {
            t.row(List.of(r.beams() == 1 ? "1 (greedy)" : Integer.toString(r.beams()), Integer.toString(r.steps()),
                    fmt("%.1f", r.medianSeconds() * 1e3), fmt("%.1f", r.bestSeconds() * 1e3),
                    one == null ? "–" : fmt("%.2f×", r.medianSeconds() / one.medianSeconds()),
                    one == null ? "–" : fmt("%.2f×", r.bestSeconds() / one.bestSeconds())));
        }
        return t.render();
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
