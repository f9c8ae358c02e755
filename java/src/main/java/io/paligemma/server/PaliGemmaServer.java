package io.paligemma.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.api.PaliGemma;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.scheduler.QueueFullException;
import io.paligemma.scheduler.SchedulerStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The OpenAI-compatible HTTP server over one loaded model: Jetty's core server (no servlet layer), each
 * exchange on a virtual thread of its own that blocks while the model's scheduler runs the request. The
 * model's compute threads stay the engine's; the server only submits, waits and writes.
 *
 * <pre>
 *   POST /v1/chat/completions   {@link ChatCompletions}
 *   POST /v1/detect, /v1/segment {@link ObjectsEndpoint}
 *   GET  /v1/models, /health, /metrics, / (the web page)
 * </pre>
 *
 * The server can listen before the model is loaded ({@link #ready}): until then {@code /health} answers 503.
 * {@link #drain} is the SIGTERM path: stop accepting, let running requests finish within the grace period,
 * end the rest with an error.
 */
public final class PaliGemmaServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PaliGemmaServer.class.getName());

    final ServerConfig config;
    final Media media;
    final ServerMetrics metrics;
    final VqVaeMaskDecoder maskDecoder;   // null: segment answers carry no masks
    private final Server jetty;
    private final ServerConnector connector;
    private final Set<Job> jobs = ConcurrentHashMap.newKeySet();
    private final ChatCompletions chat = new ChatCompletions(this);
    private final ObjectsEndpoint objects = new ObjectsEndpoint(this);
    private volatile PaliGemma model;
    private volatile boolean draining;
    private volatile double meanSeconds = 1;   // a moving average of request time, for Retry-After

    public PaliGemmaServer(ServerConfig config, VqVaeMaskDecoder maskDecoder) {
        this.config = config;
        this.maskDecoder = maskDecoder;
        this.media = new Media(config.mediaDir(), config.maxBodyBytes(), config.maxImagePixels());
        this.metrics = new ServerMetrics(this::stats);
        VirtualThreadPool pool = new VirtualThreadPool();
        pool.setName("paligemma-http");
        this.jetty = new Server(pool);
        this.connector = new ServerConnector(jetty);
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());  // a long answer may be silent between tokens
        jetty.addConnector(connector);
        jetty.setHandler(new Router());
        jetty.setStopTimeout(5_000);
    }

    /** Starts listening. */
    public PaliGemmaServer start() throws Exception {
        jetty.start();
        return this;
    }

    /** The port listened on (the chosen one when the configuration said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The model is loaded: requests are served and {@code /health} says ready. */
    public void ready(PaliGemma loaded) {
        this.model = loaded;
    }

    /** Requests being served (for drain and tests). */
    public int inFlight() {
        return jobs.size();
    }

    /**
     * Stops accepting (new connections are refused; API requests on open connections get 503), waits up to
     * the grace period for running requests, then ends the rest: each gets a final error (an SSE error event,
     * or a 503) rather than silence. Returns once every request has had its answer.
     */
    public void drain() throws InterruptedException {
        draining = true;
        try {
            connector.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the listener failed", e);
        }
        long deadline = System.nanoTime() + config.grace().toNanos();
        while (!jobs.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        for (Job j : jobs) {
            j.abort("the server is shutting down: the request did not finish within the grace period of "
                    + config.grace().toSeconds() + " s", true);
        }
        long hard = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!jobs.isEmpty() && System.nanoTime() < hard) {
            Thread.sleep(20);
        }
    }

    /** Stops the HTTP server (the model is the caller's to close). */
    @Override
    public void close() {
        draining = true;
        for (Job j : jobs) {
            j.abort("the server stopped", true);
        }
        try {
            jetty.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the HTTP server failed: " + e, e);
        }
    }

    // ---- shared by the endpoints

    /** The loaded model; 503 while it loads or once the server drains. */
    PaliGemma model() {
        if (draining) {
            throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        PaliGemma m = model;
        if (m == null) {
            throw new ApiException(503, "server_error", null, "loading", "the model is still loading");
        }
        return m;
    }

    void checkModelName(String name) {
        if (name != null && !name.equals(config.modelName())) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found", "the model '" + name
                    + "' does not exist; this server serves '" + config.modelName() + "' (GET /v1/models)");
        }
    }

    Job begin(long startedNanos) {
        Job j = new Job(startedNanos);
        jobs.add(j);
        if (draining) {
            j.abort("the server is shutting down", true);
        }
        return j;
    }

    void end(Job j) {
        jobs.remove(j);
        double s = (System.nanoTime() - j.startedNanos) / 1e9;
        meanSeconds = 0.9 * meanSeconds + 0.1 * s;
    }

    /** 429 for a full scheduler queue, with a Retry-After of about the time for the queue ahead to move. */
    ApiException tooManyRequests(QueueFullException e, Response response) {
        int running = Math.max(1, model == null ? 1 : model.stats().running());
        long seconds = Math.max(1, Math.min(60, (long) Math.ceil(meanSeconds * (e.queued() + 1) / running)));
        response.getHeaders().put(HttpHeader.RETRY_AFTER, seconds);
        return new ApiException(429, "rate_limit_exceeded", null, "queue_full", e.getMessage());
    }

    private SchedulerStats stats() {
        PaliGemma m = model;
        return m == null ? new SchedulerStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : m.stats();
    }

    /** Dispatches by method and path; every failure becomes an OpenAI-shaped error. */
    private final class Router extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Exchange x = new Exchange(request, response, callback);
            String endpoint = x.path();
            String outcome = "ok";
            try {
                route(x);
            } catch (ApiException e) {
                outcome = switch (e.status) {
                    case 400 -> "bad_request";
                    case 404, 405 -> "not_found";
                    case 429 -> "rejected";
                    case 503 -> "unavailable";
                    case 499 -> "cancelled";
                    default -> "error";
                };
                if (!x.completed() && !x.response.isCommitted()) {
                    // also a 499: a half-closed client still reads it (one that closed gets nothing either way),
                    // where a failed callback would have Jetty write a 500 page
                    x.sendError(e);
                } else {
                    x.fail(e);                      // mid-stream: the connection is aborted
                }
            } catch (Throwable t) {
                outcome = "error";
                LOG.log(Level.WARNING, "request " + x.method() + " " + endpoint + " failed", t);
                if (!x.completed()) {
                    x.sendError(new ApiException(500, "server_error", null, null, "internal error: " + t));
                }
            } finally {
                if (!x.completed()) {
                    x.finish();
                }
                if (endpoint.startsWith("/v1/")) {
                    metrics.request(endpoint, outcome, x.startedNanos);
                }
            }
            return true;
        }

        private void route(Exchange x) throws Exception {
            String path = x.path();
            String method = x.method();
            switch (path) {
                case "/v1/chat/completions" -> post(x, () -> chat.handle(x));
                case "/v1/detect" -> post(x, () -> objects.handle(x, false));
                case "/v1/segment" -> post(x, () -> objects.handle(x, true));
                case "/v1/models" -> get(x, () -> models(x));
                case "/health" -> get(x, () -> health(x));
                case "/metrics" -> get(x, () -> metrics(x));
                case "/", "/index.html" -> get(x, () -> page(x));
                default -> throw new ApiException(404, "invalid_request_error", null, "not_found", "no such endpoint: "
                        + method + " " + path);
            }
        }

        private void post(Exchange x, Action a) throws Exception {
            if (!x.method().equals("POST")) {
                throw new ApiException(405, "invalid_request_error", null, "method_not_allowed", x.path() + " takes POST");
            }
            a.run();
        }

        private void get(Exchange x, Action a) throws Exception {
            if (!x.method().equals("GET") && !x.method().equals("HEAD")) {
                throw new ApiException(405, "invalid_request_error", null, "method_not_allowed", x.path() + " takes GET");
            }
            a.run();
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private void models(Exchange x) {
        ObjectNode root = Exchange.JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        ObjectNode m = data.addObject();
        m.put("id", config.modelName());
        m.put("object", "model");
        m.put("created", 0);
        m.put("owned_by", "paligemma-ffm");
        PaliGemma loaded = model;
        if (loaded != null) {
            m.put("max_context", loaded.maxContext());
            m.put("image_size", loaded.config().visionConfig().imageSize());
        }
        x.sendJson(200, root);
    }

    private void health(Exchange x) {
        ObjectNode root = Exchange.JSON.createObjectNode();
        String status = draining ? "shutting_down" : model == null ? "loading" : "ok";
        root.put("status", status);
        x.sendJson(status.equals("ok") ? 200 : 503, root);
    }

    private void metrics(Exchange x) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        metrics.write(out);
        x.send(200, metrics.contentType(), out.toByteArray());
    }

    private void page(Exchange x) throws IOException {
        try (InputStream in = PaliGemmaServer.class.getResourceAsStream("/web/index.html")) {
            if (in == null) {
                throw new IOException("the web page /web/index.html is missing from the jar");
            }
            x.send(200, "text/html; charset=utf-8", in.readAllBytes());
        }
    }

    static void writeQuietly(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }
}
