package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.paligemma.PaliGemmaProcessor;
import io.paligemma.scheduler.ImageKey;
import io.paligemma.scheduler.Outcome;
import io.paligemma.scheduler.Request;
import io.paligemma.scheduler.RequestHandle;
import io.paligemma.scheduler.Scheduler;
import io.paligemma.scheduler.SchedulerOptions;
import io.paligemma.scheduler.SchedulerStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code paligemma bench --clients 1,2,4,8,16}: the scheduler under load, no HTTP. For each client count N,
 * N client threads each send requests one after the other, waiting for each answer, with exponentially
 * distributed pauses before each request (so each client, while idle, is a Poisson source); every request
 * has its own picture (no cache hit), a prompt of a random number of text tokens and a random answer length
 * (greedy, EOS ignored, so the lengths are exact). Per N: time to first token and time per output token
 * (p50, p95, over requests), the aggregate decode rate (tokens decoded per second of decode steps, and
 * generated tokens per second of the whole run), the longest prompt chunk that held up decoding, and heap
 * allocated per generated token by the scheduler's and the compute pool's threads.
 */
public final class ServingBench {
    private ServingBench() {
    }

    /**
     * @param clients           client counts to run, one after the other, each with a fresh scheduler
     * @param requestsPerClient requests each client sends
     * @param thinkMillis       mean pause before each request (exponential)
     * @param promptText        the least and most text tokens of a prompt (after the image tokens and bos)
     * @param answer            the least and most tokens of an answer
     */
    public record Settings(List<Integer> clients, int requestsPerClient, double thinkMillis, int[] promptText, int[] answer,
                           Backend backend, int threads, SchedulerOptions scheduler, long seed) {
        public Settings {
            clients = List.copyOf(clients);
            if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1)) {
                throw new IllegalArgumentException("client counts must be >= 1, got " + clients);
            }
            if (requestsPerClient < 1 || thinkMillis < 0) {
                throw new IllegalArgumentException("requests per client must be >= 1 and the think time >= 0");
            }
            if (promptText.length != 2 || promptText[0] < 1 || promptText[1] < promptText[0]
                    || answer.length != 2 || answer[0] < 2 || answer[1] < answer[0]) {
                throw new IllegalArgumentException("prompt text tokens need 1 <= min <= max, answer tokens 2 <= min <= max");
            }
            promptText = promptText.clone();
            answer = answer.clone();
        }
    }

    /**
     * One client count's numbers. Times in seconds. {@code maxChunkS}: the longest prompt work of one step while
     * others decoded; {@code maxGapS}: the longest wait between two tokens of one answer any client saw (what
     * decodes postponed for a prompt's deadline add to a chunk); {@code postponedDecodes}: steps whose decode
     * waited for a prompt ({@link io.paligemma.scheduler.SchedulerOptions#promptDeadline()}).
     */
    public record Row(int clients, int requests, double seconds, long generatedTokens, long decodeTokens,
                      double decodeTokPerS, double endToEndTokPerS, double meanDecodeRows, double ttftP50, double ttftP95,
                      double tpotP50, double tpotP95, double maxChunkS, double heapBytesPerToken, double maxGapS,
                      long postponedDecodes) {
    }

    /** Loads the checkpoint once and runs every client count; one row each. */
    public static List<Row> run(Path dir, Settings s, Consumer<String> log) {
        try (OpsProvider provider = OpsProvider.open(s.backend(), s.threads());
             PaliGemmaForConditionalGeneration model = PaliGemmaForConditionalGeneration.load(dir, provider.ops())) {
            PaliGemmaProcessor processor = new PaliGemmaProcessor(model.config(), PaliGemmaProcessor.imageProcessor(dir), null);
            int maxContext = model.config().numImageTokens() + 1 + s.promptText()[1] + s.answer()[1];
            List<Row> rows = new ArrayList<>();
            log.accept("warm-up: one request alone");
            try (Scheduler warm = new Scheduler(model, s.scheduler(), maxContext, "bench warm-up")) {
                Client c = new Client(0, s, model.config(), processor, new SplittableRandom(s.seed() - 1));
                c.send(warm, 0);
            } catch (Exception e) {
                throw new IllegalStateException("the warm-up request failed: " + e, e);
            }
            for (int n : s.clients()) {
                log.accept(n + " client(s), " + s.requestsPerClient() + " request(s) each");
                rows.add(runOnce(model, processor, s, n, maxContext));
                log.accept(format(rows.getLast()));
            }
            return rows;
        }
    }

    private static Row runOnce(PaliGemmaForConditionalGeneration model, PaliGemmaProcessor processor, Settings s, int n,
                               int maxContext) {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(new Client(i, s, model.config(), processor, new SplittableRandom(s.seed() * 1000 + i)));
        }
        double heap0;
        double heap1;
        long t0;
        long t1;
        SchedulerStats stats;
        try (Scheduler scheduler = new Scheduler(model, s.scheduler(), maxContext, "bench")) {
            heap0 = HeapAllocation.engineThreads();
            t0 = System.nanoTime();
            Thread[] threads = new Thread[n];
            for (int i = 0; i < n; i++) {
                Client c = clients.get(i);
                threads[i] = new Thread(() -> c.run(scheduler), "bench-client-" + i);
                threads[i].start();
            }
            for (Thread t : threads) {
                join(t);
            }
            t1 = System.nanoTime();
            heap1 = HeapAllocation.engineThreads();
            stats = scheduler.stats();
        }
        List<Double> ttft = new ArrayList<>();
        List<Double> tpot = new ArrayList<>();
        long generated = 0;
        long decoded = 0;
        long maxGap = 0;
        for (Client c : clients) {
            if (c.failure != null) {
                throw new IllegalStateException("client " + c.id + " failed: " + c.failure, c.failure);
            }
            ttft.addAll(c.ttft);
            tpot.addAll(c.tpot);
            generated += c.generated;
            decoded += c.generated - c.ttft.size();
            maxGap = Math.max(maxGap, c.maxGapNanos);
        }
        double seconds = (t1 - t0) / 1e9;
        double decodeRate = stats.decodeNanos() > 0 ? stats.decodeRows() / (stats.decodeNanos() / 1e9) : Double.NaN;
        return new Row(n, ttft.size(), seconds, generated, decoded, decodeRate, generated / seconds,
                stats.decodeRows() / (double) Math.max(1, stats.decodeSteps()), percentile(ttft, 50), percentile(ttft, 95), percentile(tpot, 50),
                percentile(tpot, 95), stats.maxChunkNanos() / 1e9, (heap1 - heap0) / generated, maxGap / 1e9,
                stats.postponedDecodes());
    }

    /** One simulated user: think, send, wait for the answer, again. */
    private static final class Client {
        final int id;
        final Settings s;
        final PaliGemmaConfig config;
        final PaliGemmaProcessor processor;
        final SplittableRandom rnd;
        final List<Double> ttft = new ArrayList<>();
        final List<Double> tpot = new ArrayList<>();
        long generated;
        long maxGapNanos;                 // the longest wait between two tokens of one answer
        Throwable failure;

        Client(int id, Settings s, PaliGemmaConfig config, PaliGemmaProcessor processor, SplittableRandom rnd) {
            this.id = id;
            this.s = s;
            this.config = config;
            this.processor = processor;
            this.rnd = rnd;
        }

        void run(Scheduler scheduler) {
            try {
                for (int r = 0; r < s.requestsPerClient(); r++) {
                    double pause = -Math.log(1 - rnd.nextDouble()) * s.thinkMillis();  // Exp(mean think)
                    Thread.sleep((long) pause);
                    send(scheduler, r);
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        /** One request; records its time to first token and time per output token. */
        void send(Scheduler scheduler, int r) throws Exception {
            int text = s.promptText()[0] + rnd.nextInt(s.promptText()[1] - s.promptText()[0] + 1);
            int answer = s.answer()[0] + rnd.nextInt(s.answer()[1] - s.answer()[0] + 1);
            long[] first = {0};
            long[] last = {0};
            long start = System.nanoTime();
            RgbImage picture = Workload.syntheticImage(640, 480, 1 + id * 100_003L + r);
            float[] pixels = processor.pixelValues(picture);
            int[] ids = promptIds(text);
            GenerationConfig g = new GenerationConfig(answer, SamplingConfig.GREEDY, false, List.of());
            RequestHandle h = scheduler.submit(new Request(pixels, ImageKey.of("bench", pixels), ids, g, Sequence.Goal.TOKENS,
                    token -> {
                        long now = System.nanoTime();
                        if (first[0] == 0) {
                            first[0] = now;
                        } else {
                            maxGapNanos = Math.max(maxGapNanos, now - last[0]);
                        }
                        last[0] = now;
                        return true;
                    }));
            Outcome o = h.result().get(1, TimeUnit.HOURS);
            if (o.tokens().length != answer) {
                throw new IllegalStateException("an answer of " + o.tokens().length + " tokens, expected " + answer);
            }
            ttft.add((first[0] - start) / 1e9);
            tpot.add((last[0] - first[0]) / 1e9 / (answer - 1));
            generated += answer;
        }

        /** The processor's layout with {@code text} ordinary ids (fixed stand-ins: ids change no timing). */
        int[] promptIds(int text) {
            int n = config.numImageTokens();
            int[] ids = new int[n + 1 + text];
            Arrays.fill(ids, 0, n, config.imageTokenIndex());
            ids[n] = config.bosTokenId();
            int ordinary = Math.min(config.imageTokenIndex(), config.textConfig().vocabSize()) - 3;
            for (int i = 0; i < text; i++) {
                ids[n + 1 + i] = 3 + rnd.nextInt(ordinary);
            }
            return ids;
        }
    }

    /** The p-th percentile (nearest rank) of the values. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p / 100 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    /** A text table of the rows, with the ratios the targets name. */
    public static String table(List<Row> rows) {
        TextTable t = new TextTable();
        t.row(List.of("clients", "requests", "run s", "tokens", "decode tok/s", "vs 1", "end-to-end tok/s", "rows/step",
                "TTFT p50 s", "TTFT p95 s", "TPOT p50 s", "TPOT p95 s", "max chunk s", "max gap s", "postponed",
                "heap B/token"));
        double one = rows.stream().filter(r -> r.clients() == 1).mapToDouble(Row::decodeTokPerS).findFirst().orElse(Double.NaN);
        for (Row r : rows) {
            t.row(List.of(Integer.toString(r.clients()), Integer.toString(r.requests()), f1(r.seconds()),
                    Long.toString(r.generatedTokens()), f2(r.decodeTokPerS()), f2(r.decodeTokPerS() / one) + "x",
                    f2(r.endToEndTokPerS()), f2(r.meanDecodeRows()), f2(r.ttftP50()), f2(r.ttftP95()), f3(r.tpotP50()),
                    f3(r.tpotP95()), f2(r.maxChunkS()), f2(r.maxGapS()), Long.toString(r.postponedDecodes()),
                    String.format(Locale.ROOT, "%.0f", r.heapBytesPerToken())));
        }
        return t.render();
    }

    /** Every row, the settings and the machine as JSON. */
    public static void writeJson(Path file, String model, Settings s, List<Row> rows) throws java.io.IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        var root = json.createObjectNode();
        MachineInfo m = MachineInfo.probe();
        root.put("cpu", m.cpuModel()).put("cores", m.cores()).put("model", model).put("backend", s.backend().id())
                .put("threads", OpsProvider.threads(s.threads())).put("requestsPerClient", s.requestsPerClient())
                .put("thinkMillis", s.thinkMillis()).put("promptTextTokens", s.promptText()[0] + "-" + s.promptText()[1])
                .put("answerTokens", s.answer()[0] + "-" + s.answer()[1]).put("scheduler", s.scheduler().toString());
        root.set("rows", json.valueToTree(rows));
        json.writeValue(file.toFile(), root);
    }

    static String format(Row r) {
        return String.format(Locale.ROOT, "%d client(s): %d requests in %.1f s, decode %.2f tok/s (%.2f rows/step), "
                        + "end-to-end %.2f tok/s, TTFT p50 %.2f p95 %.2f s, TPOT p50 %.3f p95 %.3f s, max chunk %.2f s, max gap %.2f s, "
                        + "%d decodes postponed, %.0f B/token",
                r.clients(), r.requests(), r.seconds(), r.decodeTokPerS(), r.meanDecodeRows(), r.endToEndTokPerS(), r.ttftP50(),
                r.ttftP95(), r.tpotP50(), r.tpotP95(), r.maxChunkS(), r.maxGapS(), r.postponedDecodes(), r.heapBytesPerToken());
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the clients ran", e);
        }
    }
}
