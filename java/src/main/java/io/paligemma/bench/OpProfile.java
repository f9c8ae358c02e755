package io.paligemma.bench;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.ops.OpsProvider;
import io.paligemma.ops.ProfilingOps;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.siglip.VisionWorkspace;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Where each backend's time goes, op by op: one vision pass, one prefill and a few decode steps
 * (after an untimed warm-up of the same), with every {@code Ops} call timed.
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
                 VisionWorkspace vws = model.newVisionWorkspace(1);
                 DecoderWorkspace ws = model.newDecoderWorkspace(promptTokens, promptTokens + decodeSteps + 1, 1);
                 Arena arena = Arena.ofShared()) {
                var c = model.config();
                int s = c.visionConfig().imageSize();
                MemorySegment pixels = arena.allocate((long) c.visionConfig().numChannels() * s * s * Float.BYTES, 64);
                MemorySegment features = arena.allocate((long) c.numImageTokens() * c.projectionDim() * Float.BYTES, 64);
                int[] ids = new int[promptTokens];
                Arrays.fill(ids, 0, Math.min(c.numImageTokens(), promptTokens), c.imageTokenIndex());
                for (int i = c.numImageTokens(); i < promptTokens; i++) {
                    ids[i] = i == c.numImageTokens() ? c.bosTokenId() : textId(c, i);
                }
                long[] phase = new long[3];
                for (int round = 0; round < 2; round++) { // round 0 warms up the JIT and the page cache
                    profiling.reset();
                    long t0 = System.nanoTime();
                    model.imageFeatures(pixels, 1, vws, features, Probe.NONE);
                    long t1 = System.nanoTime();
                    model.embed(ids, 0, ids.length, features, 0, ws);
                    model.languageModel().forward(ws, 0, ids.length, ids.length, 1, Probe.NONE);
                    long t2 = System.nanoTime();
                    for (int step = 0; step < decodeSteps; step++) {
                        model.embed(new int[] {textId(c, step)}, 0, 1, null, 0, ws);
                        model.languageModel().forward(ws, ids.length + step, 1, ids.length, 1, Probe.NONE);
                    }
                    phase[0] = t1 - t0;
                    phase[1] = t2 - t1;
                    phase[2] = System.nanoTime() - t2;
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
