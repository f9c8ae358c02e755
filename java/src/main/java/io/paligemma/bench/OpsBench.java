package io.paligemma.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Ops;
import io.paligemma.ops.OpsProvider;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code paligemma bench-ops}: the foundation numbers. {@link Ops#linear} at PaliGemma-3B-224 shapes with
 * F32 weights (native: OpenBLAS sgemm, sgemv for one row) and BF16 weights (native: pg_gemm_bf16), on
 * each backend over the same buffers, best of N; and the cost of one FFM downcall.
 */
public final class OpsBench {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private OpsBench() {
    }

    /** y[m, n] = x[m, k] · w[n, k]ᵀ. */
    public record Shape(int m, int k, int n, String what) {
        public double flops() {
            return 2.0 * m * k * n;
        }

        @Override
        public String toString() {
            return m + "x" + k + "x" + n;
        }
    }

    /** Vision fc1 (256 image tokens), language-model gate/up at prefill (268 tokens) and at decode (1 token). */
    public static final List<Shape> SHAPES = List.of(new Shape(256, 1152, 4304, "siglip fc1, 256 patches"),
            new Shape(268, 2048, 16384, "gemma gate/up, prefill of 268"), new Shape(1, 2048, 16384, "gemma gate/up, decode"));

    public record GemmResult(String backend, DType weights, Shape shape, double bestS) {
        public double gflops() {
            return shape.flops() / bestS / 1e9;
        }
    }

    /** @param otherCores cores other processes kept busy on average during the run ({@link CpuSample}) */
    public record Report(int threads, int rounds, double[] loadStart, double[] loadEnd, double otherCores,
                         List<GemmResult> gemm, DowncallOverhead downcall, List<String> skipped) {
        public Report {
            gemm = List.copyOf(gemm);
            skipped = List.copyOf(skipped);
        }

        public GemmResult find(String backend, DType w, Shape s) {
            return gemm.stream().filter(g -> g.backend().equals(backend) && g.weights() == w && g.shape().equals(s))
                    .findFirst().orElse(null);
        }

        public String table() {
            TextTable t = new TextTable();
            List<String> backends = gemm.stream().map(GemmResult::backend).distinct().toList();
            List<String> header = new ArrayList<>(List.of("linear M x K x N (best of " + rounds + ", " + threads + (threads == 1 ? " thread)" : " threads)"),
                    "weights"));
            for (String b : backends) {
                header.add(b + " GFLOP/s");
            }
            boolean both = backends.contains("java") && backends.contains("native");
            if (both) {
                header.add("java/native time");
            }
            t.row(header);
            for (Shape s : SHAPES) {
                for (DType w : List.of(DType.F32, DType.BF16)) {
                    List<String> row = new ArrayList<>(List.of(s + " (" + s.what() + ")", w.name().toLowerCase(Locale.ROOT)));
                    for (String b : backends) {
                        GemmResult g = find(b, w, s);
                        row.add(g == null ? "-" : Units.number(g.gflops()) + " (" + Units.seconds(g.bestS()) + ")");
                    }
                    if (both) {
                        GemmResult j = find("java", w, s);
                        GemmResult n = find("native", w, s);
                        row.add(j == null || n == null ? "-" : Units.ratio(j.bestS() / n.bestS()));
                    }
                    t.row(row);
                }
            }
            StringBuilder sb = new StringBuilder(t.render());
            if (downcall != null) {
                sb.append(String.format(Locale.ROOT, "%nFFM downcall pg_scale(n = 0), best of %d runs of %d calls:%n"
                                + "  jextract handle        %.2f ns/call%n  Linker.Option.critical %.2f ns/call%n",
                        downcall.runs(), downcall.calls(), downcall.jextractNs(), downcall.criticalNs()));
            }
            return sb.toString();
        }

        public void writeJson(Path file) throws IOException {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode m = root.putObject("machine");
            MachineInfo info = MachineInfo.probe();
            m.put("cpu_model", info.cpuModel());
            m.put("cores", info.cores());
            m.put("threads", threads);
            ArrayNode ls = m.putArray("load_average_start");
            for (double v : loadStart) {
                ls.add(v);
            }
            ArrayNode le = m.putArray("load_average_end");
            for (double v : loadEnd) {
                le.add(v);
            }
            if (!Double.isNaN(otherCores)) {
                m.put("other_cores", otherCores);
            }
            ArrayNode g = root.putArray("linear");
            for (GemmResult r : gemm) {
                g.addObject().put("backend", r.backend()).put("weights", r.weights().name().toLowerCase(Locale.ROOT))
                        .put("m", r.shape().m()).put("k", r.shape().k()).put("n", r.shape().n())
                        .put("best_s", r.bestS()).put("gflops", r.gflops()).put("rounds", rounds);
            }
            if (downcall != null) {
                root.putObject("downcall").put("function", "pg_scale(n=0)").put("calls", downcall.calls())
                        .put("runs", downcall.runs()).put("jextract_ns", downcall.jextractNs())
                        .put("critical_ns", downcall.criticalNs());
            }
            ArrayNode sk = root.putArray("skipped");
            skipped.forEach(sk::add);
            Files.writeString(file, JSON.writeValueAsString(root) + "\n");
        }
    }

    /**
     * @param rounds best of this many timed calls per (shape, weights, backend), after two untimed ones
     * @param calls  downcalls per overhead run (0 = skip the downcall measurement)
     */
    public static Report run(List<Backend> backends, List<Shape> shapes, int threads, int rounds, long calls, int callRuns,
                             Progress progress) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        }
        double[] loadStart = MachineInfo.loadAverage();
        CpuSample cpuStart = CpuSample.now();
        List<String> skipped = new ArrayList<>();
        List<OpsProvider> providers = new ArrayList<>();
        List<GemmResult> results = new ArrayList<>();
        try {
            for (Backend b : backends) {
                try {
                    providers.add(OpsProvider.open(b, threads));
                } catch (RuntimeException | LinkageError e) {
                    skipped.add(b.id() + ": " + e.getMessage());
                }
            }
            if (providers.isEmpty()) {
                throw new IllegalStateException("no backend could start: " + skipped);
            }
            progress.begin("linear", (long) shapes.size() * 2 * providers.size());
            try {
                for (Shape s : shapes) {
                    for (DType w : List.of(DType.F32, DType.BF16)) {
                        try (Arena arena = Arena.ofShared()) {
                            MemorySegment x = RandomData.uniform(arena, (long) s.m() * s.k(), DType.F32, 1, 1f);
                            MemorySegment wd = RandomData.uniform(arena, (long) s.n() * s.k(), w, 2, (float) (1 / Math.sqrt(s.k())));
                            Tensor weight = new Tensor("w", w, new long[] {s.n(), s.k()}, wd);
                            MemorySegment y = arena.allocate((long) s.m() * s.n() * Float.BYTES, 64);
                            for (OpsProvider p : providers) {
                                results.add(new GemmResult(p.ops().name(), w, s, best(p.ops(), x, s, weight, y, rounds)));
                                progress.step();
                            }
                        }
                    }
                }
            } finally {
                progress.end();
            }
        } finally {
            providers.forEach(OpsProvider::close);
        }
        DowncallOverhead d = calls > 0 ? DowncallOverhead.measure(calls, callRuns, progress) : null;
        return new Report(threads, rounds, loadStart, MachineInfo.loadAverage(), cpuStart.otherCores(CpuSample.now()), results,
                d, skipped);
    }

    private static double best(Ops ops, MemorySegment x, Shape s, Tensor w, MemorySegment y, int rounds) {
        ops.linear(x, s.m(), s.k(), w, null, y);
        ops.linear(x, s.m(), s.k(), w, null, y);
        long best = Long.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            ops.linear(x, s.m(), s.k(), w, null, y);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e9;
    }
}
