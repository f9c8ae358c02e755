package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
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
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The batched decode step alone, by the number of rows in it: what bounds the scheduler's aggregate decode
 * rate. One prompt is computed once; for each row count B, B sequences start from its keys and values
 * (exact prefix reuse, as the scheduler's prefix cache does) and decode {@code steps} tokens together, one
 * {@link DecodeStep} per token. Every step is timed; the row reports the median and the best, so a noisy
 * neighbour on a shared machine shows as a gap between the two rather than as a wrong figure. The rows of a
 * step must all choose the same tokens (they continue one prefix greedily); a row count that breaks that
 * fails the run.
 */
public final class DecodeRowsBench {
    private DecodeRowsBench() {
    }

    /** One row count's steps: seconds per step (median, best), over {@code steps} steps after one untimed. */
    public record Row(int rows, int steps, double medianSeconds, double bestSeconds, double weightBytesPerStep,
                      double flopsPerStep) {
        double tokensPerSecond() {
            return rows / medianSeconds;
        }
    }

    /** Runs every row count in {@code rowCounts} (each at most the ops' decode rows) on one backend. */
    public static List<Row> run(Path dir, Backend backend, int threads, List<Integer> rowCounts, int steps,
                                Consumer<String> log) {
        if (steps < 1) {
            throw new IllegalArgumentException("--decode-steps must be >= 1, got " + steps);
        }
        int most = rowCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
        try (OpsProvider provider = OpsProvider.open(backend, threads);
             PaliGemmaForConditionalGeneration model = PaliGemmaForConditionalGeneration.load(dir, provider.ops())) {
            for (int b : rowCounts) {
                if (b < 1 || b > model.maxDecodeRows()) {
                    throw new IllegalArgumentException("--decode-rows " + b + ": a decode step takes 1 to "
                            + model.maxDecodeRows() + " rows on the " + backend.id() + " backend");
                }
            }
            PaliGemmaConfig config = model.config();
            Workload work = Workload.of(config, steps + 1, Workload.syntheticImage(640, 480));
            GenerationConfig generation = new GenerationConfig(steps + 2, SamplingConfig.GREEDY, false, List.of());
            int context = Sequence.contextFor(work.promptTokens(), generation, Sequence.Goal.TOKENS);
            var processor = new PaliGemmaProcessor(config, PaliGemmaProcessor.imageProcessor(dir), null);
            float[] pixels = processor.pixelValues(work.image());
            double bytes = FlopCount.decodeWeightBytes(config.textConfig(),
                    FlopCount.bytesPerWeight(ModelBench.languageModelWeights(model)));
            List<Row> out = new ArrayList<>();
            try (PromptWorkspace ws = new PromptWorkspace(model, Math.max(work.promptTokens(), most), context, most);
                 Sequence prompt = Sequence.forTokens(model, pixels, work.promptIds(), generation, id -> true)) {
                log.accept("prefill of " + work.promptTokens() + " tokens, once");
                Prefill prefill = new Prefill(model, prompt, ws, Probe.NONE, 1);
                prefill.runToEnd();
                FloatMatrix lastLogits = copy(prefill.lastLogits());
                for (int b : rowCounts) {
                    log.accept(b + " row(s): " + steps + " steps");
                    out.add(measure(model, prompt, lastLogits, pixels, work, generation, ws, b, steps, bytes,
                            FlopCount.decode(config.textConfig(), work.promptTokens(), 1) * b));
                }
            }
            return out;
        }
    }

    private static Row measure(PaliGemmaForConditionalGeneration model, Sequence prompt, FloatMatrix lastLogits,
                               float[] pixels, Workload work, GenerationConfig generation, PromptWorkspace ws, int rows,
                               int steps, double bytes, double flops) {
        List<Sequence> seqs = new ArrayList<>();
        try {
            for (int i = 0; i < rows; i++) {
                Sequence s = Sequence.forTokens(model, pixels, work.promptIds(), generation, id -> true);
                seqs.add(s);
                s.reusePrefix(prompt.cache(), lastLogits);
            }
            DecodeStep.run(model, seqs, ws.decoder()); // untimed: first touch of this row count's buffers
            double[] t = new double[steps];
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                DecodeStep.run(model, seqs, ws.decoder());
                t[i] = (System.nanoTime() - t0) * 1e-9;
            }
            // every row continues the same prefix greedily: the same tokens, or a row was not computed as alone
            for (Sequence s : seqs) {
                if (!java.util.Arrays.equals(s.tokens(), seqs.get(0).tokens())) {
                    throw new IllegalStateException("a decode step of " + rows + " rows gave its rows different tokens: "
                            + java.util.Arrays.toString(s.tokens()) + " vs " + java.util.Arrays.toString(seqs.get(0).tokens()));
                }
            }
            return new Row(rows, steps, Stats.median(t), java.util.Arrays.stream(t).min().orElseThrow(), bytes, flops);
        } finally {
            seqs.forEach(Sequence::close);
        }
    }

    /** The prefill's last logits outlive its workspace's next use: a heap copy. */
    static FloatMatrix copy(FloatMatrix m) {
        var seg = java.lang.foreign.MemorySegment.ofArray(new float[m.rows() * m.columns()]);
        FloatMatrix c = FloatMatrix.of(seg, m.rows(), m.columns());
        c.copyFrom(m);
        return c;
    }

    /** The table: seconds per step, aggregate tokens/s, the ratio to one row, weight GB/s and GFLOP/s (medians). */
    public static String table(List<Row> rows) {
        Row one = rows.stream().filter(r -> r.rows() == 1).findFirst().orElse(null);
        TextTable t = new TextTable().row(List.of("rows", "steps", "step s (median)", "step s (best)", "tok/s",
                "vs 1 row", "weights GB/s", "GFLOP/s"));
        for (Row r : rows) {
            t.row(List.of(Integer.toString(r.rows()), Integer.toString(r.steps()), fmt("%.3f", r.medianSeconds()),
                    fmt("%.3f", r.bestSeconds()), fmt("%.2f", r.tokensPerSecond()),
                    one == null ? "–" : fmt("%.2f×", r.tokensPerSecond() / one.tokensPerSecond()),
                    fmt("%.1f", r.weightBytesPerStep() / r.medianSeconds() * 1e-9),
                    fmt("%.1f", r.flopsPerStep() / r.medianSeconds() * 1e-9)));
        }
        return t.render();
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
