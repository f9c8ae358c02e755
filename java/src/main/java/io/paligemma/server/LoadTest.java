package io.paligemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * {@code paligemma loadtest}: N clients, each a virtual thread sending streamed chat completions one after
 * the other (no pause) to a server on this machine, until M requests were sent in all. Every request has a
 * picture of its own (random pixels, so no cache answers it) and asks for exactly {@code maxTokens} tokens
 * (a random-weight model practically never ends early; the report counts the tokens it got). Reports
 * requests/s, generated tokens/s over the whole run, time to first token and latency percentiles, and
 * errors by kind (HTTP status, error event, connection failure). Loopback only: it refuses any other host.
 */
public final class LoadTest {
    /** What to send. */
    public record Settings(URI url, int clients, int requests, String prompt, int maxTokens, int imageSize, long seed) {
        public Settings {
            if (clients < 1 || requests < 1 || maxTokens < 1 || imageSize < 1) {
                throw new IllegalArgumentException("--clients, --requests, --max-tokens and --image-size must be >= 1");
            }
        }
    }

    /** The run's numbers; times in seconds. */
    public record Report(int clients, int sent, int ok, Map<String, Integer> errors, double seconds, long generatedTokens,
                         double[] ttft, double[] latency) {

        public double requestsPerSecond() {
            return ok / seconds;
        }

        public double tokensPerSecond() {
            return generatedTokens / seconds;
        }

        public String text() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "clients %d: %d sent, %d ok, errors %s, %.1f s%n", clients, sent, ok,
                    errors.isEmpty() ? "none" : errors, seconds));
            b.append(String.format(Locale.ROOT, "  %.3f requests/s, %.2f generated tokens/s (%d tokens)%n", requestsPerSecond(),
                    tokensPerSecond(), generatedTokens));
            b.append(String.format(Locale.ROOT, "  TTFT    p50 %.2f s  p90 %.2f s  p99 %.2f s%n", pct(ttft, 50), pct(ttft, 90),
                    pct(ttft, 99)));
            b.append(String.format(Locale.ROOT, "  latency p50 %.2f s  p90 %.2f s  p99 %.2f s%n", pct(latency, 50),
                    pct(latency, 90), pct(latency, 99)));
            return b.toString();
        }
    }

    private LoadTest() {
    }

    /** Refuses a URL whose host is not a loopback address of this machine. */
    public static void checkLoopback(URI url) {
        if (url.getHost() == null || !("http".equals(url.getScheme()))) {
            throw new IllegalArgumentException("--url must be http://HOST:PORT, got " + url);
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(url.getHost())) {
                if (!a.isLoopbackAddress()) {
                    throw new IllegalArgumentException("loadtest sends traffic to this machine's loopback addresses only "
                            + "(127.0.0.0/8, ::1, localhost); " + url.getHost() + " is " + a.getHostAddress());
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + url.getHost());
        }
    }

    public static Report run(Settings s) throws InterruptedException {
        checkLoopback(s.url());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        String model = modelName(http, s.url());
        AtomicInteger next = new AtomicInteger();
        List<Double> ttft = Collections.synchronizedList(new ArrayList<>());
        List<Double> latency = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        LongAdder tokens = new LongAdder();
        AtomicInteger ok = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < s.clients(); c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i; (i = next.getAndIncrement()) < s.requests(); ) {
                    String body = body(model, s, i);
                    long start = System.nanoTime();
                    try {
                        Outcome o = send(http, s.url(), body);
                        if (o.error != null) {
                            errors.merge(o.error, 1, Integer::sum);
                        } else {
                            ok.incrementAndGet();
                            tokens.add(o.tokens);
                            ttft.add((o.firstNanos - start) / 1e9);
                            latency.add((System.nanoTime() - start) / 1e9);
                        }
                    } catch (IOException e) {
                        errors.merge("connection: " + e.getClass().getSimpleName(), 1, Integer::sum);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Report(s.clients(), Math.min(next.get(), s.requests()), ok.get(), new TreeMap<>(errors), seconds,
                tokens.sum(), sorted(ttft), sorted(latency));
    }

    private record Outcome(String error, long tokens, long firstNanos) {
    }

    private static Outcome send(HttpClient http, URI base, String body) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
        if (resp.statusCode() != 200) {
            resp.body().close();
            return new Outcome("HTTP " + resp.statusCode(), 0, 0);
        }
        long first = 0;
        long tokens = -1;
        String error = null;
        boolean done = false;
        try (Stream<String> lines = resp.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                JsonNode n = Exchange.JSON.readTree(data);
                if (n.has("error")) {
                    error = "error event: " + n.path("error").path("code").asText("unknown");
                    continue;
                }
                JsonNode choice = n.path("choices").path(0);
                if (first == 0 && !choice.path("delta").path("content").asText("").isEmpty()) {
                    first = System.nanoTime();
                }
                if (n.has("usage") && n.get("usage").isObject()) {
                    tokens = n.get("usage").path("completion_tokens").asLong();
                }
            }
        }
        if (error == null && !done) {
            error = "stream ended without [DONE]";
        } else if (error == null && tokens < 0) {
            error = "no usage in the stream";
        }
        return new Outcome(error, Math.max(0, tokens), first == 0 ? System.nanoTime() : first);
    }

    private static String modelName(HttpClient http, URI base) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalArgumentException(base + "/v1/models answered HTTP " + r.statusCode());
            }
            return Exchange.JSON.readTree(r.body()).path("data").path(0).path("id").asText();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot reach " + base + " (" + e + ")");
        }
    }

    /** Request {@code i}: its own random picture (seeded), the prompt, exactly maxTokens, usage in the stream. */
    static String body(String model, Settings s, int i) {
        ObjectNode root = Exchange.JSON.createObjectNode();
        root.put("model", model);
        root.put("stream", true);
        root.putObject("stream_options").put("include_usage", true);
        root.put("max_tokens", s.maxTokens());
        root.put("temperature", 0);
        var content = root.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "text").put("text", s.prompt());
        content.addObject().put("type", "image_url").putObject("image_url").put("url", randomPng(s.imageSize(), s.seed() + i));
        return root.toString();
    }

    static String randomPng(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding to memory failed", e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static double[] sorted(List<Double> v) {
        synchronized (v) {
            return v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        }
    }

    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
