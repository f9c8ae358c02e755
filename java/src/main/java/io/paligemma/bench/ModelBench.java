package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.gemma.GemmaModel;
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
import io.paligemma.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times one checkpoint on one backend, stage by stage, through the one request pipeline: the processor, a
 * {@link Sequence} whose {@link Prefill} pieces are timed by kind (vision tower, projector, prefill), then
 * {@link DecodeStep}s (greedy, EOS ignored).
 * Each repetition is one whole request, so the stages of a row come from the same runs; warm-up
 * requests (JIT, page cache) are not recorded. Loading is timed separately, after the requests, so the
 * page cache is warm.
 */
public final class ModelBench {
    private ModelBench() {
    }

    /** Runs warmup + repeat requests and warmup + repeat loads; returns one result per {@link Stage}. */
    public static List<StageResult> run(Path dir, Backend backend, int threads, Workload work, int warmup, int repeat,
                                        long readNowBytes, Progress progress) {
        if (repeat < 1 || warmup < 0) {
            throw new IllegalArgumentException("repeat must be >= 1 and warmup >= 0, got " + repeat + " and " + warmup);
        }
        ProcessMemory.resetPeak();
        double load = MachineInfo.loadAverage()[0];
        CpuSample cpuStart = CpuSample.now();
        Map<Stage, long[]> times = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            times.put(s, new long[repeat]);
        }
        String weights;
        PaliGemmaConfig config;
        DType dtype;
        double[] readNow = new double[repeat];
        java.util.Arrays.fill(readNow, Double.NaN);
        double[] heapPerToken = new double[repeat];
        progress.begin(backend.id() + " " + dir.getFileName(), 2L * (warmup + repeat));
        try (OpsProvider provider = OpsProvider.open(backend, threads);
             Arena probeArena = Arena.ofShared()) {
            MemorySegment probe = readNowBytes > 0 ? probeArena.allocate(readNowBytes, 4096) : null;
            if (probe != null) {
                probe.fill((byte) 1); // fault the pages in now, not in the first probe
            }
            try (PaliGemmaForConditionalGeneration model = PaliGemmaForConditionalGeneration.load(dir, provider.ops());
                 Session session = new Session(model, processor(model, dir), work)) {
                config = model.config();
                dtype = languageModelWeights(model);
                for (int i = 0; i < warmup + repeat; i++) {
                    long[] t = session.request();
                    if (i >= warmup) {
                        int r = i - warmup;
                        times.get(Stage.PREPROCESS)[r] = t[0];
                        times.get(Stage.VISION)[r] = t[1];
                        times.get(Stage.PROJECTOR)[r] = t[2];
                        times.get(Stage.PREFILL)[r] = t[3];
                        times.get(Stage.TTFT)[r] = t[4];
                        times.get(Stage.DECODE)[r] = t[5];
                        heapPerToken[r] = session.decodeHeapBytes() / work.decodeTokens();
                        if (probe != null) {
                            readNow[r] = Roofline.readNow(probe, provider.ops().threads(), READ_NOW_PASSES);
                        }
                    }
                    progress.step();
                }
            }
            for (int i = 0; i < warmup + repeat; i++) {
                long ns = timeLoad(dir, provider, work);
                if (i >= warmup) {
                    times.get(Stage.LOAD)[i - warmup] = ns;
                }
                progress.step();
            }
        } finally {
            progress.end();
        }
        // the probe buffer was resident from before the model loaded to the end: not the model's memory
        long peak = ProcessMemory.peakRssBytes() - Math.max(0, readNowBytes);
        double others = cpuStart.otherCores(CpuSample.now());
        weights = weightsLabel(dtype);
        int l = work.promptTokens();
        int n = work.decodeTokens();
        double bytesPerToken = FlopCount.decodeWeightBytes(config.textConfig(), FlopCount.bytesPerWeight(dtype));
        List<StageResult> out = new ArrayList<>();
        for (Stage s : Stage.values()) {
            Stats st = Stats.ofNanos(times.get(s));
            double flops = switch (s) {
                case VISION -> FlopCount.vision(config.visionConfig(), 1);
                case PROJECTOR -> FlopCount.projector(config, 1);
                case PREFILL -> FlopCount.prefill(config.textConfig(), l);
                case TTFT -> FlopCount.timeToFirstToken(config, l);
                case DECODE -> FlopCount.decode(config.textConfig(), l, n);
                default -> 0;
            };
            int tokens = s == Stage.PREFILL ? l : s == Stage.DECODE ? n : 0;
            double bytes = s == Stage.DECODE ? bytesPerToken * n : 0;
            double beside = s == Stage.DECODE ? Stats.median(readNow) : Double.NaN;
            double heap = s == Stage.DECODE ? Stats.median(heapPerToken) : Double.NaN;
            out.add(new StageResult(backend.id(), weights, s, st, tokens, flops, bytes, peak, load, others, beside, heap));
        }
        return out;
    }

    /**
     * The type of the language model's matrices as the checkpoint stores them, read from the embedding
     * (the tied LM head, the largest matrix a decode step reads): {@link DType#Q8_0} when it is stored as
     * int8 (I8 values beside their {@code .q8_scale}, as {@code quantize} writes them), else its float type.
     */
    static DType languageModelWeights(PaliGemmaForConditionalGeneration model) {
        DType stored = model.weights().tensor(GemmaModel.PREFIX + ".embed_tokens.weight").dtype();
        return stored == DType.I8 ? DType.Q8_0 : stored;
    }

    /** The weights label of a run: "int8" for Q8_0, else the dtype's name in lower case ("f32", "bf16", "f16"). */
    static String weightsLabel(DType dtype) {
        return dtype == DType.Q8_0 ? "int8" : dtype.name().toLowerCase(Locale.ROOT);
    }

    /** Passes of the read probe after each decode: the best of a few ~10 ms passes. */
    private static final int READ_NOW_PASSES = 5;

    /** Load-to-ready: config, mapping, modules, and the workspaces one request needs. */
    private static long timeLoad(Path dir, OpsProvider provider, Workload work) {
        long t0 = System.nanoTime();
        try (PaliGemmaForConditionalGeneration model = PaliGemmaForConditionalGeneration.load(dir, provider.ops());
             PromptWorkspace ws = new PromptWorkspace(model, work.promptTokens(), capacity(work), 1)) {
            long ns = System.nanoTime() - t0;
            Blackhole.consume(ws.byteSize());
            return ns;
        }
    }

    private static int capacity(Workload work) {
        return work.promptTokens() + work.decodeTokens() + 1;
    }

    /** The checkpoint's processor for pictures; prompts are the workload's ids (the bench needs no tokenizer). */
    private static PaliGemmaProcessor processor(PaliGemmaForConditionalGeneration model, Path dir) {
        return new PaliGemmaProcessor(model.config(), PaliGemmaProcessor.imageProcessor(dir), null);
    }

    /** The memory of one request, allocated once and reused by every repetition. */
    private static final class Session implements AutoCloseable {
        private final PaliGemmaForConditionalGeneration model;
        private final PaliGemmaProcessor processor;
        private final Workload work;
        private final GenerationConfig generation;
        private final PromptWorkspace workspace;
        private double lastDecodeHeapBytes = Double.NaN;

        Session(PaliGemmaForConditionalGeneration model, PaliGemmaProcessor processor, Workload work) {
            this.model = model;
            this.processor = processor;
            this.work = work;
            // one token to end prefill, then decodeTokens decode steps; EOS must not end a timed run early
            this.generation = new GenerationConfig(work.decodeTokens() + 1, SamplingConfig.GREEDY, false, List.of());
            this.workspace = new PromptWorkspace(model, work.promptTokens(), capacity(work), 1);
        }

        /** Heap bytes all threads allocated between the first and the last token of the last request. */
        double decodeHeapBytes() {
            return lastDecodeHeapBytes;
        }

        /** One request; nanoseconds of preprocess, vision, projector, prefill, time to first token, decode. */
        long[] request() {
            long[] tokenTimes = new long[2]; // first token, last token
            double[] heap = new double[2];   // all threads' allocated bytes at the same two moments
            int[] seen = {0};
            long t0 = System.nanoTime();
            float[] pixels = processor.pixelValues(work.image());
            long t1 = System.nanoTime();
            try (Sequence seq = Sequence.forTokens(model, pixels, work.promptIds(), generation, id -> {
                long now = System.nanoTime();
                int token = seen[0]++;
                if (token == 0) {
                    tokenTimes[0] = now;
                    heap[0] = HeapAllocation.allThreads();
                }
                if (token == work.decodeTokens()) { // the last one: the generation asks for decodeTokens + 1
                    heap[1] = HeapAllocation.allThreads();
                }
                tokenTimes[1] = now;
                return true;
            })) {
                Prefill prefill = new Prefill(model, seq, workspace, Probe.NONE, 1);
                while (prefill.next() != Prefill.Piece.PROJECTOR) {
                    prefill.runNext();                                   // the vision tower
                }
                long t2 = System.nanoTime();
                prefill.runNext();                                       // the projector
                long t3 = System.nanoTime();
                prefill.runToEnd();                                      // the prefill and the first token
                long t4 = System.nanoTime();
                DecodeStep.untilDone(model, List.of(seq), workspace.decoder());
                if (seq.tokens().length != work.decodeTokens() + 1) {
                    throw new IllegalStateException("the generator produced " + seq.tokens().length + " tokens, expected "
                            + (work.decodeTokens() + 1) + " (" + seq.finishReason() + ")");
                }
                lastDecodeHeapBytes = heap[1] - heap[0];
                return new long[] {t1 - t0, t2 - t1, t3 - t2, t4 - t3, tokenTimes[0] - t0, tokenTimes[1] - tokenTimes[0]};
            }
        }

        @Override
        public void close() {
            workspace.close();
        }
    }
}
