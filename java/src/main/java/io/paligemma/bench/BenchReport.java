package io.paligemma.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one {@code paligemma bench} run measured: the machine and its load, the roofline, the
 * workload, and one {@link StageResult} per (weights, backend, stage). Renders the tables and the JSON.
 */
public record BenchReport(MachineInfo machine, int threads, double[] loadStart, double[] loadEnd, Roofline roofline,
                          Setup setup, List<StageResult> runs, List<Skipped> skipped) {

    /** What each request was and how often it ran. */
    public record Setup(String model, int promptTokens, int imageTokens, int decodeTokens, int warmup, int repeat,
                        int imageWidth, int imageHeight) {
    }

    /** A backend (or weights type) that could not run, and why. */
    public record Skipped(String backend, String weights, String reason) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public BenchReport {
        loadStart = loadStart.clone();
        loadEnd = loadEnd.clone();
        runs = List.copyOf(runs);
        skipped = List.copyOf(skipped);
    }

    /** The run of one stage, or null. */
    public StageResult find(String weights, String backend, Stage stage) {
        for (StageResult r : runs) {
            if (r.weights().equals(weights) && r.backend().equals(backend) && r.stage() == stage) {
                return r;
            }
        }
        return null;
    }

    /** Weights types in the order they ran. */
    public List<String> weightsOrder() {
        Set<String> w = new LinkedHashSet<>();
        runs.forEach(r -> w.add(r.weights()));
        return List.copyOf(w);
    }

    /** Backends that ran with these weights, in order. */
    public List<String> backendsOf(String weights) {
        Set<String> b = new LinkedHashSet<>();
        runs.stream().filter(r -> r.weights().equals(weights)).forEach(r -> b.add(r.backend()));
        return List.copyOf(b);
    }

    /** Median time of java over native for a stage (&gt; 1: Java is slower); NaN when either is missing. */
    public double javaOverNative(String weights, Stage stage) {
        StageResult j = find(weights, "java", stage);
        StageResult n = find(weights, "native", stage);
        return j == null || n == null ? Double.NaN : j.stats().medianS() / n.stats().medianS();
    }

    /**
     * Achieved GFLOP/s of a run as a fraction of the FMA roofline at the run's thread count, for every weights
     * type. For int8 prefill and decode, which multiply int8 weights by int8 activations on the integer units,
     * {@link #dotI8PeakFraction} divides by their own peak.
     */
    public double flopFraction(StageResult r) {
        return r.gflops() / roofline.peakGflops(threads);
    }

    /**
     * Achieved GFLOP/s of a bf16-weights run as a fraction of the machine's bf16 peak (AMX tiles or
     * VDPBF16PS): how far the CPU's bf16 hardware would still go. NaN for other weights, for stages
     * without a flop count and where the CPU has no bf16 unit.
     */
    public double bf16PeakFraction(StageResult r) {
        return r.weights().equals("bf16") ? r.gflops() / roofline.peakBf16Gflops(threads) : Double.NaN;
    }

    /**
     * Prefill and decode GFLOP/s of an int8-weights run as a fraction of the machine's int8 dot peak (the
     * instruction of {@link Roofline#dotI8Path()}, in Gop/s): both multiply int8 weights by int8 activations,
     * prefill compute-bound (this fraction is its ceiling), decode memory-bound (a small fraction here beside
     * a large fraction of the read bandwidth). NaN for other weights, for vision (its own precision unless
     * --quantize-vision, and the stage result does not say) and when the peak was not measured.
     */
    public double dotI8PeakFraction(StageResult r) {
        return r.weights().equals("int8") && (r.stage() == Stage.DECODE || r.stage() == Stage.PREFILL)
                ? r.gflops() / roofline.peakDotI8Gops(threads)
                : Double.NaN;
    }

    /** Achieved weight GB/s of a run as a fraction of the read-bandwidth roofline at the run's thread count. */
    public double bandwidthFraction(StageResult r) {
        return r.gbps() / roofline.peakGbps(threads);
    }

    /** Stage × (weights, backend) medians, with a java/native column per weights type where both ran. */
    public String table() {
        TextTable t = new TextTable();
        List<String> header = new ArrayList<>(List.of("stage (median of " + setup.repeat() + ")"));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                header.add(w + "/" + b);
            }
            if (hasBoth(w)) {
                header.add(w + " java/native");
            }
        }
        t.row(header);
        for (Stage s : Stage.values()) {
            List<String> row = new ArrayList<>(List.of(label(s)));
            for (String w : weightsOrder()) {
                for (String b : backendsOf(w)) {
                    row.add(cell(find(w, b, s)));
                }
                if (hasBoth(w)) {
                    row.add(Units.ratio(javaOverNative(w, s)));
                }
            }
            t.row(row);
        }
        List<String> rss = new ArrayList<>(List.of("peak RSS"));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                rss.add(Units.bytes(find(w, b, Stage.LOAD).peakRssBytes()));
            }
            if (hasBoth(w)) {
                rss.add(Units.ratio((double) find(w, "java", Stage.LOAD).peakRssBytes()
                        / find(w, "native", Stage.LOAD).peakRssBytes()));
            }
        }
        t.row(rss);
        List<String> heap = new ArrayList<>(List.of("heap allocated per decode token"));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                double perToken = find(w, b, Stage.DECODE).heapBytesPerToken();
                heap.add(Double.isNaN(perToken) ? "-" : perToken < 1 ? "0 B" : Units.bytes(Math.round(perToken)));
            }
            if (hasBoth(w)) {
                heap.add("");
            }
        }
        t.row(heap);
        List<String> load = new ArrayList<>(List.of("load average at start"));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                load.add(String.format(java.util.Locale.ROOT, "%.2f", find(w, b, Stage.LOAD).loadAverage()));
            }
            if (hasBoth(w)) {
                load.add("");
            }
        }
        t.row(load);
        List<String> others = new ArrayList<>(List.of("other processes (cores)"));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                others.add(String.format(java.util.Locale.ROOT, "%.2f", find(w, b, Stage.LOAD).otherCores()));
            }
            if (hasBoth(w)) {
                others.add("");
            }
        }
        t.row(others);
        return t.render();
    }

    /** Achieved GFLOP/s and decode GB/s per stage, with their fraction of the roofline. */
    public String rooflineTable() {
        TextTable t = new TextTable();
        List<String> header = new ArrayList<>(List.of("achieved (" + threads + (threads == 1 ? " thread)" : " threads)")));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                header.add(w + "/" + b);
            }
        }
        t.row(header);
        for (Stage s : Stage.values()) {
            if (s == Stage.LOAD || s == Stage.PREPROCESS) {
                continue;
            }
            List<String> row = new ArrayList<>(List.of(label(s) + " GFLOP/s"));
            for (String w : weightsOrder()) {
                for (String b : backendsOf(w)) {
                    StageResult r = find(w, b, s);
                    row.add(Units.number(r.gflops()) + Units.percent(flopFraction(r)));
                }
            }
            t.row(row);
        }
        if (!roofline.bf16Unit().isEmpty() && weightsOrder().contains("bf16")) {
            List<String> ofBf16 = new ArrayList<>(List.of("vision / prefill, of the " + roofline.bf16Unit() + " peak"));
            for (String w : weightsOrder()) {
                for (String b : backendsOf(w)) {
                    ofBf16.add(w.equals("bf16") ? Units.share(bf16PeakFraction(find(w, b, Stage.VISION))) + " / "
                            + Units.share(bf16PeakFraction(find(w, b, Stage.PREFILL))) : "-");
                }
            }
            t.row(ofBf16);
        }
        if (!roofline.nativeDotI8Gops().isEmpty() && weightsOrder().contains("int8")) {
            List<String> ofI8 = new ArrayList<>(List.of("prefill / decode, of the int8 dot peak"));
            for (String w : weightsOrder()) {
                for (String b : backendsOf(w)) {
                    ofI8.add(w.equals("int8") ? Units.share(dotI8PeakFraction(find(w, b, Stage.PREFILL))) + " / "
                            + Units.share(dotI8PeakFraction(find(w, b, Stage.DECODE))) : "-");
                }
            }
            t.row(ofI8);
        }
        List<String> row = new ArrayList<>(List.of("decode weight GB/s"));
        List<String> now = new ArrayList<>(List.of("read probe after each decode GB/s"));
        List<String> ofNow = new ArrayList<>(List.of("decode / that probe"));
        for (String w : weightsOrder()) {
            for (String b : backendsOf(w)) {
                StageResult r = find(w, b, Stage.DECODE);
                row.add(Units.number(r.gbps()) + Units.percent(bandwidthFraction(r)));
                now.add(Units.number(r.readNowGbps()));
                ofNow.add(Units.share(r.readNowFraction()));
            }
        }
        t.row(row);
        t.row(now);
        t.row(ofNow);
        StringBuilder out = new StringBuilder(t.render());
        for (String w : weightsOrder()) {
            double equal = decodeJavaOverNativeAtEqualBandwidth(w);
            if (!Double.isNaN(equal)) {
                out.append(String.format(java.util.Locale.ROOT,
                        "%s decode java/native at equal bandwidth (each ÷ the probe after it): %.2fx%n", w, equal));
            }
        }
        return out.toString();
    }

    /**
     * Java's decode speed over native's, each first divided by the read bandwidth measured right after it:
     * the two run minutes apart in separate JVMs, and this VM's bandwidth moves by 20-40 % in that time,
     * which the plain tokens/s ratio carries along. NaN unless both backends ran with the probe.
     */
    public double decodeJavaOverNativeAtEqualBandwidth(String weights) {
        StageResult j = find(weights, "java", Stage.DECODE);
        StageResult n = find(weights, "native", Stage.DECODE);
        return j == null || n == null ? Double.NaN : j.readNowFraction() / n.readNowFraction();
    }

    /** The roofline as lines of text. */
    public String rooflineSummary() {
        if (!roofline.measured()) {
            return "roofline: not measured\n";
        }
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "roofline (best of rounds; GB = 10^9 bytes; other processes used %.2f cores meanwhile):%n", roofline.otherCores()));
        for (int t : roofline.threads()) {
            sb.append(String.format(java.util.Locale.ROOT, "  %d thread%s: FMA f32 java %s GFLOP/s, native %s", t,
                    t == 1 ? " " : "s", Units.number(get(roofline.javaFmaGflops(), t)),
                    Units.number(get(roofline.nativeFmaGflops(), t))));
            if (roofline.nativeBf16Gflops().containsKey(t)) {
                sb.append(String.format(java.util.Locale.ROOT, "; bf16 (%s) native %s", roofline.bf16Unit(),
                        Units.number(get(roofline.nativeBf16Gflops(), t))));
            }
            if (roofline.nativeDotI8Gops().containsKey(t)) {
                sb.append(String.format(java.util.Locale.ROOT, "; int8 dot (%s) native %s Gop/s", roofline.dotI8Path(),
                        Units.number(get(roofline.nativeDotI8Gops(), t))));
            }
            if (roofline.javaReadGbps().containsKey(t)) {
                sb.append(String.format(java.util.Locale.ROOT, "; read java %s GB/s, native %s",
                        Units.number(get(roofline.javaReadGbps(), t)), Units.number(get(roofline.nativeReadGbps(), t))));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static double get(Map<Integer, Double> m, int t) {
        Double v = m.get(t);
        return v == null ? Double.NaN : v;
    }

    private boolean hasBoth(String weights) {
        List<String> b = backendsOf(weights);
        return b.contains("java") && b.contains("native");
    }

    private static String label(Stage s) {
        return switch (s) {
            case LOAD -> "load to ready";
            case PREPROCESS -> "image preprocess";
            case VISION -> "vision tower";
            case PROJECTOR -> "projector";
            case PREFILL -> "prefill";
            case TTFT -> "time to first token";
            case DECODE -> "decode";
        };
    }

    private static String cell(StageResult r) {
        if (r == null) {
            return "-";
        }
        String time = Units.seconds(r.stats().medianS());
        if (r.tokens() > 0) {
            return time + ", " + Units.number(r.tokensPerSecond()) + " tok/s";
        }
        return time;
    }

    /** The JSON document of {@code --json}: {"machine": {...}, "workload": {...}, "runs": [...], "skipped": [...]}. */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode m = root.putObject("machine");
        m.put("cpu_model", machine.cpuModel());
        m.put("cores", machine.cores());
        ArrayNode flags = m.putArray("cpu_flags");
        machine.cpuFlags().forEach(flags::add);
        m.put("memory_bytes", machine.memoryBytes());
        m.put("jdk", machine.jdk());
        m.put("os", machine.os());
        m.put("threads", threads);
        putLoad(m.putArray("load_average_start"), loadStart);
        putLoad(m.putArray("load_average_end"), loadEnd);
        ObjectNode rf = m.putObject("roofline");
        ArrayNode rt = rf.putArray("threads");
        roofline.threads().forEach(rt::add);
        putMap(rf, "java_fma_gflops", roofline.javaFmaGflops());
        putMap(rf, "java_read_gbps", roofline.javaReadGbps());
        putMap(rf, "native_fma_gflops", roofline.nativeFmaGflops());
        putMap(rf, "native_read_gbps", roofline.nativeReadGbps());
        rf.put("bf16_unit", roofline.bf16Unit());
        putMap(rf, "native_bf16_gflops", roofline.nativeBf16Gflops());
        rf.put("dot_i8_unit", roofline.dotI8Path());
        putMap(rf, "native_dot_i8_gops", roofline.nativeDotI8Gops());
        JsonNumbers.put(rf, "peak_gflops", roofline.measured() ? roofline.peakGflops(threads) : Double.NaN);
        JsonNumbers.put(rf, "peak_gbps", roofline.measured() ? roofline.peakGbps(threads) : Double.NaN);
        JsonNumbers.put(rf, "peak_bf16_gflops", roofline.peakBf16Gflops(threads));
        JsonNumbers.put(rf, "peak_dot_i8_gops", roofline.peakDotI8Gops(threads));
        JsonNumbers.put(rf, "other_cores", roofline.otherCores());

        ObjectNode w = root.putObject("workload");
        w.put("model", setup.model());
        w.put("prompt_tokens", setup.promptTokens());
        w.put("image_tokens", setup.imageTokens());
        w.put("decode_tokens", setup.decodeTokens());
        w.put("warmup", setup.warmup());
        w.put("repeat", setup.repeat());
        w.put("image_width", setup.imageWidth());
        w.put("image_height", setup.imageHeight());

        ArrayNode rs = root.putArray("runs");
        for (StageResult r : runs) {
            ObjectNode o = rs.addObject();
            o.put("backend", r.backend());
            o.put("weights", r.weights());
            o.put("stage", r.stage().id());
            o.put("threads", threads);
            JsonNumbers.put(o, "median_s", r.stats().medianS());
            JsonNumbers.put(o, "min_s", r.stats().minS());
            JsonNumbers.put(o, "max_s", r.stats().maxS());
            o.put("samples", r.stats().samples());
            JsonNumbers.put(o, "tokens_per_s", r.tokensPerSecond());
            JsonNumbers.put(o, "gflops", r.gflops());
            JsonNumbers.put(o, "gbps", r.gbps());
            JsonNumbers.put(o, "gflops_fraction", flopFraction(r));
            JsonNumbers.put(o, "gflops_fraction_of_bf16_peak", bf16PeakFraction(r));
            JsonNumbers.put(o, "gflops_fraction_of_dot_i8_peak", dotI8PeakFraction(r));
            JsonNumbers.put(o, "gbps_fraction", bandwidthFraction(r));
            JsonNumbers.put(o, "read_now_gbps", r.readNowGbps());
            JsonNumbers.put(o, "gbps_fraction_of_read_now", r.readNowFraction());
            JsonNumbers.put(o, "heap_bytes_per_token", r.heapBytesPerToken());
            o.put("peak_rss_bytes", r.peakRssBytes());
            JsonNumbers.put(o, "load_average_1m", r.loadAverage());
            JsonNumbers.put(o, "other_cores", r.otherCores());
        }
        ArrayNode sk = root.putArray("skipped");
        for (Skipped s : skipped) {
            sk.addObject().put("backend", s.backend()).put("weights", s.weights()).put("reason", s.reason());
        }
        return root;
    }

    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, JSON.writeValueAsString(toJson()) + "\n");
    }

    private static void putLoad(ArrayNode a, double[] load) {
        for (double v : load) {
            if (Double.isNaN(v)) {
                a.addNull();
            } else {
                a.add(v);
            }
        }
    }

    private static void putMap(ObjectNode o, String key, Map<Integer, Double> m) {
        if (m.isEmpty()) {
            o.putNull(key);
            return;
        }
        Map<String, Double> byThreads = new LinkedHashMap<>();
        m.forEach((t, v) -> byThreads.put(Integer.toString(t), v));
        ObjectNode n = o.putObject(key);
        byThreads.forEach(n::put);
    }
}
