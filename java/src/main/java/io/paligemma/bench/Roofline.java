package io.paligemma.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The machine's limits, measured in the same process as the model: float32 FMA throughput (a loop on
 * registers only, per thread count) and memory read bandwidth (one pass over a large off-heap buffer),
 * from Java (Vector API) and from C (native/src/roofline.c), the bf16 peak where the CPU has a
 * bf16 unit ({@code bf16Unit} "amx" or "avx512_bf16", C only: Java has no bf16 arithmetic; "" and an
 * empty map elsewhere), and the int8 dot peak of the instruction int8 decode runs ({@code dotI8Path}
 * "avx512_vnni", "avx512", "avx2" or "scalar", C only; "" and an empty map without the native library).
 * Each figure is the best of several rounds. Maps go from thread count to GFLOP/s, Gop/s (int8
 * multiply-adds × 2, counted like flops) or GB/s (10⁹ bytes per second).
 */
public record Roofline(List<Integer> threads, Map<Integer, Double> javaFmaGflops, Map<Integer, Double> javaReadGbps,
                       Map<Integer, Double> nativeFmaGflops, Map<Integer, Double> nativeReadGbps, String bf16Unit,
                       Map<Integer, Double> nativeBf16Gflops, String dotI8Path, Map<Integer, Double> nativeDotI8Gops,
                       double otherCores) {

    /**
     * How long and how big: readBytes of buffer (0 = no roofline), fmaMillis per FMA run; FMA figures are the
     * best of {@code rounds} runs, read figures the best of {@code READ_PASSES_PER_ROUND · rounds} passes
     * (a pass is short and its spread is wider).
     */
    public record Settings(long readBytes, long fmaMillis, int rounds) {
        public static final Settings DEFAULT = new Settings(1L << 30, 300, 5);
        public static final Settings NONE = new Settings(0, 0, 0);
    }

    public static final Roofline NONE = new Roofline(List.of(), Map.of(), Map.of(), Map.of(), Map.of(), "", Map.of(),
            "", Map.of(), Double.NaN);
    private static final int READ_PASSES_PER_ROUND = 4;

    public Roofline {
        threads = List.copyOf(threads);
        javaFmaGflops = Collections.unmodifiableMap(new TreeMap<>(javaFmaGflops));
        javaReadGbps = Collections.unmodifiableMap(new TreeMap<>(javaReadGbps));
        nativeFmaGflops = Collections.unmodifiableMap(new TreeMap<>(nativeFmaGflops));
        nativeReadGbps = Collections.unmodifiableMap(new TreeMap<>(nativeReadGbps));
        nativeBf16Gflops = Collections.unmodifiableMap(new TreeMap<>(nativeBf16Gflops));
        nativeDotI8Gops = Collections.unmodifiableMap(new TreeMap<>(nativeDotI8Gops));
    }

    public boolean measured() {
        return !threads.isEmpty();
    }

    /** The FMA roofline at this thread count: the better of Java and C (NaN when not measured). */
    public double peakGflops(int t) {
        return best(javaFmaGflops.get(t), nativeFmaGflops.get(t));
    }

    /** The bf16 peak at this thread count (NaN when this CPU has no bf16 unit or it was not measured). */
    public double peakBf16Gflops(int t) {
        return best(nativeBf16Gflops.get(t), null);
    }

    /** The int8 dot peak at this thread count, in Gop/s (NaN when it was not measured). */
    public double peakDotI8Gops(int t) {
        return best(nativeDotI8Gops.get(t), null);
    }

    /** The read-bandwidth roofline at this thread count: the better of Java and C (NaN when not measured). */
    public double peakGbps(int t) {
        return best(javaReadGbps.get(t), nativeReadGbps.get(t));
    }

    private static double best(Double a, Double b) {
        double x = a == null ? Double.NaN : a;
        double y = b == null ? Double.NaN : b;
        return Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.max(x, y);
    }

    /** Measures FMA peaks for 1..maxThreads threads and read bandwidth for 1 and maxThreads threads. */
    public static Roofline measure(Settings s, int maxThreads, Progress progress) {
        if (s.readBytes() <= 0) {
            return NONE;
        }
        List<Integer> counts = new java.util.ArrayList<>();
        for (int t = 1; t <= maxThreads; t++) {
            counts.add(t);
        }
        List<Integer> readCounts = maxThreads == 1 ? List.of(1) : List.of(1, maxThreads);
        Map<Integer, Double> jf = new TreeMap<>();
        Map<Integer, Double> jr = new TreeMap<>();
        Map<Integer, Double> nf = new TreeMap<>();
        Map<Integer, Double> nr = new TreeMap<>();
        Map<Integer, Double> nb = new TreeMap<>();
        Map<Integer, Double> ni = new TreeMap<>();
        boolean nat = NativeProbes.available();
        String unit = nat ? NativeProbes.bf16Unit() : "";
        String dotI8 = nat ? NativeProbes.dotI8Path() : "";
        int steps = (counts.size() + readCounts.size()) * (nat ? 2 : 1) + (unit.isEmpty() ? 0 : counts.size())
                + (nat ? counts.size() : 0);
        progress.begin("roofline", steps);
        CpuSample cpuStart = CpuSample.now();
        try (Arena arena = Arena.ofShared()) {
            long iterations = calibrateJavaFma(s.fmaMillis());
            for (int t : counts) {
                jf.put(t, bestGflops(t, s.rounds(), iterations * VectorProbes.flopsPerIteration(),
                        id -> Blackhole.consume(VectorProbes.fmaLoop(iterations))));
                progress.step();
            }
            long bytes = Math.max(VectorProbes.READ_STEP, s.readBytes() / VectorProbes.READ_STEP * VectorProbes.READ_STEP);
            MemorySegment buffer = arena.allocate(bytes, 4096);
            buffer.fill((byte) 1); // fault every page in before timing
            warmJavaRead(buffer);
            for (int t : readCounts) {
                jr.put(t, bestGbps(t, READ_PASSES_PER_ROUND * s.rounds(), buffer, JAVA_READ));
                progress.step();
            }
            if (nat) {
                nf.putAll(nativePeak(counts, s, NativeProbes::fma, progress));
                for (int t : readCounts) {
                    nr.put(t, bestGbps(t, READ_PASSES_PER_ROUND * s.rounds(), buffer, NATIVE_READ));
                    progress.step();
                }
                if (!unit.isEmpty()) {
                    nb.putAll(nativePeak(counts, s, i -> NativeProbes.bf16(unit, i), progress));
                }
                ni.putAll(nativePeak(counts, s, NativeProbes::dotI8, progress));
            }
        } finally {
            progress.end();
        }
        return new Roofline(counts, jf, jr, nf, nr, unit, nb, dotI8, ni, cpuStart.otherCores(CpuSample.now()));
    }

    /**
     * Read bandwidth right now, with {@code threads} threads over {@code buffer} (already faulted in):
     * the C probe when the kernels load, else the Java one; best of {@code passes}. The bench takes it
     * right after each decode, because this VM's bandwidth moves by 20-40 % within minutes and a roofline
     * measured before the model runs is not the bandwidth its decode saw.
     */
    public static double readNow(MemorySegment buffer, int threads, int passes) {
        return bestGbps(threads, passes, buffer, NativeProbes.available() ? NATIVE_READ : JAVA_READ);
    }

    /** Bytes of the buffer {@link #readNow} reads: ≥ 64× any L3 here, a pass ~10 ms. */
    public static long readNowBytes(Settings s) {
        return Math.min(s.readBytes(), 256L << 20); // bestGbps cuts the slices to whole probe steps
    }

    /** Iterations of the Java FMA loop that take about {@code millis} on one thread, after C2 has compiled it. */
    private static long calibrateJavaFma(long millis) {
        float sink = 0;
        for (int i = 0; i < 400; i++) {
            sink += VectorProbes.fmaLoop(20_000);
        }
        long probe = 1 << 20;
        long t0 = System.nanoTime();
        sink += VectorProbes.fmaLoop(probe);
        long ns = Math.max(1, System.nanoTime() - t0);
        Blackhole.consume(sink);
        return Math.max(probe, (long) (millis * 1e6 / ns * probe));
    }

    /**
     * GFLOP/s of a C register loop (returning the flops it did, or the int8 operations: then Gop/s) on each
     * thread count, best of the rounds.
     */
    private static Map<Integer, Double> nativePeak(List<Integer> counts, Settings s,
                                                   java.util.function.LongToDoubleFunction loop, Progress progress) {
        long iterations = calibrate(s.fmaMillis(), loop);
        double flopsPerCall = loop.applyAsDouble(iterations);
        Map<Integer, Double> out = new TreeMap<>();
        for (int t : counts) {
            out.put(t, bestGflops(t, s.rounds(), flopsPerCall, id -> Blackhole.consume(loop.applyAsDouble(iterations))));
            progress.step();
        }
        return out;
    }

    /** Iterations of a C register loop that take about {@code millis} on one thread. */
    private static long calibrate(long millis, java.util.function.LongToDoubleFunction loop) {
        long probe = 1 << 20;
        loop.applyAsDouble(probe);
        long t0 = System.nanoTime();
        loop.applyAsDouble(probe);
        long ns = Math.max(1, System.nanoTime() - t0);
        return Math.max(probe, (long) (millis * 1e6 / ns * probe));
    }

    private static void warmJavaRead(MemorySegment buffer) {
        MemorySegment small = buffer.asSlice(0, Math.min(buffer.byteSize(), 1 << 20));
        long sink = 0;
        for (int i = 0; i < 300; i++) {
            sink += VectorProbes.readSum(small, 0, small.byteSize());
        }
        Blackhole.consume(sink);
    }

    private static double bestGflops(int threads, int rounds, double flopsPerThread, java.util.function.IntConsumer body) {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < Math.max(1, rounds); r++) {
            best = Math.min(best, Concurrent.time(threads, body));
        }
        return threads * flopsPerThread / best;
    }

    @FunctionalInterface
    private interface SliceReader {
        void read(MemorySegment slice, int thread);
    }

    /** One pass over a slice with the Java probe (Vector API) and with the C probe. */
    private static final SliceReader JAVA_READ = (seg, id) -> Blackhole.consume(VectorProbes.readSum(seg, 0, seg.byteSize()));
    private static final SliceReader NATIVE_READ = (seg, id) -> Blackhole.consume(NativeProbes.read(seg));

    /** Each thread reads its own contiguous slice once; the figure is all bytes over the span. */
    private static double bestGbps(int threads, int rounds, MemorySegment buffer, SliceReader reader) {
        long chunk = buffer.byteSize() / threads / VectorProbes.READ_STEP * VectorProbes.READ_STEP;
        MemorySegment[] slices = new MemorySegment[threads];
        for (int i = 0; i < threads; i++) {
            slices[i] = buffer.asSlice(i * chunk, chunk);
        }
        Concurrent.time(threads, id -> reader.read(slices[id], id)); // one untimed pass: TLB and prefetchers settle
        long best = Long.MAX_VALUE;
        for (int r = 0; r < Math.max(1, rounds); r++) {
            best = Math.min(best, Concurrent.time(threads, id -> reader.read(slices[id], id)));
        }
        return (double) chunk * threads / best;
    }
}
