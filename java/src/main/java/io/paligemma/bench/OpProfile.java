package io.paligemma.bench;

import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.NextToken;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.ops.OpsProvider;
import io.paligemma.ops.ProfilingOps;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where each backend's time goes, op by op: one request through the request pipeline (vision pass,
 * prefill and a few decode steps, after an untimed warm-up of the same), with every {@code Ops} call timed.
 */
public final class OpProfile {
    private OpProfile() {
    }

    /** An ordinary token id (never the image token): the values do not change the work done. */
    private static int textId(io.paligemma.config.PaliGemmaConfig c, int i) {
        int vocab = c.textConfig().vocabSize();
        int id = (c.imageTokenIndex() + 1 + i) % vocab;
        return id == c.imageTokenIndex() ? (id + 1) % vocab : id;
    }

    public static void run(Path dir, Backend backend, int threads, int promptTokens, int decodeSteps, PrintStream out) {
        run(dir, backend, threads, Compute.F32, promptTokens, decodeSteps, out);
    }

    /** The same with a compute precision for bf16 weights ({@link Compute#BF16}: native only). */
    public static void run(Path dir, Backend backend, int threads, Compute compute, int promptTokens, int decodeSteps,
                           PrintStream out) {
        try (OpsProvider provider = OpsProvider.open(backend, threads, compute)) {
            ProfilingOps profiling = new ProfilingOps(provider.ops());
            try (var model = PaliGemmaForConditionalGeneration.load(dir, profiling.ops());
                 PromptWorkspace ws = new PromptWorkspace(model, promptTokens, promptTokens + decodeSteps + 1, 1)) {
                var c = model.config();
                int s = c.visionConfig().imageSize();
                float[] pixels = new float[c.visionConfig().numChannels() * s * s];
                int[] ids = new int[promptTokens];
                Arrays.fill(ids, 0, Math.min(c.numImageTokens(), promptTokens), c.imageTokenIndex());
                for (int i = c.numImageTokens(); i < promptTokens; i++) {
                    ids[i] = i == c.numImageTokens() ? c.bosTokenId() : textId(c, i);
                }
                // every decode step feeds an ordinary token, whatever the logits say: the same work every round
                int[] step = {0};
                NextToken fixed = (logits, vocab) -> textId(c, step[0]++);
                GenerationConfig generation = new GenerationConfig(decodeSteps + 1, SamplingConfig.GREEDY, false, List.of());
                long[] phase = new long[3];
                for (int round = 0; round < 2; round++) { // round 0 warms up the JIT and the page cache
                    profiling.reset();
                    try (Sequence seq = new Sequence(model, pixels, ids, ids.length, generation, Sequence.Goal.TOKENS, fixed,
                            TokenListener.NONE)) {
                        Prefill prefill = new Prefill(model, seq, ws, Probe.NONE, 1);
                        long t0 = System.nanoTime();
                        while (prefill.next() != Prefill.Piece.INPUTS) {
                            prefill.runNext();                              // vision tower and projector
                        }
                        long t1 = System.nanoTime();
                        prefill.runToEnd();
                        long t2 = System.nanoTime();
                        DecodeStep.untilDone(model, List.of(seq), ws.decoder());
                        phase[0] = t1 - t0;
                        phase[1] = t2 - t1;
                        phase[2] = System.nanoTime() - t2;
                    }
                }
                out.printf(Locale.ROOT, "%s backend, %d thread(s): vision %.1f ms, prefill of %d tokens %.1f ms, %d decode steps %.1f ms%n",
                        backend.id(), provider.ops().threads(), phase[0] / 1e6, promptTokens, phase[1] / 1e6, decodeSteps,
                        phase[2] / 1e6);
                long total = phase[0] + phase[1] + phase[2];
                out.printf(Locale.ROOT, "  %-44s %12s %7s %8s%n", "op", "ms", "share", "calls");
                for (Map.Entry<String, long[]> e : profiling.snapshot().entrySet()) {
                    out.printf(Locale.ROOT, "  %-44s %12.2f %6.1f%% %8d%n", e.getKey(), e.getValue()[0] / 1e6,
                            100.0 * e.getValue()[0] / total, e.getValue()[1]);
                }
            }
        }
    }
}
