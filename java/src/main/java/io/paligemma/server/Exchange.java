package io.paligemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** One HTTP exchange, handled start to end on its own (virtual) thread: blocking reads and writes. */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Bytes of an oversized body read and dropped before the 400 (beyond them the connection just closes). */
    private static final long DISCARD_BYTES = 64L << 20;

    final Request request;
    final Response response;
    final Callback callback;
    final long startedNanos = System.nanoTime();
    private boolean completed;

    Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
    }

    String path() {
        return Request.getPathInContext(request);
    }

    String method() {
        return request.getMethod();
    }

    /** The body, refused with a 400 past {@code limit} bytes (checked on Content-Length first, then while reading). */
    byte[] body(long limit) throws IOException {
        long declared = request.getLength();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try (InputStream in = Content.Source.asInputStream(request)) {
            for (int r; (r = in.read(buf)) >= 0; ) {
                total += r;
                if (declared > limit || total > limit) {
                    // read on (up to a bound) so the client, still sending, gets the 400 instead of a reset connection
                    if (total > limit + DISCARD_BYTES) {
                        break;
                    }
                    continue;
                }
                out.write(buf, 0, r);
            }
        }
        if (declared > limit || total > limit) {
            throw ApiException.limit(null, "body_too_large", "the request body has " + Math.max(declared, total)
                    + (declared > limit ? "" : "+") + " bytes, over the server's limit of " + limit + " (--max-body-mb)");
        }
        return out.toByteArray();
    }

    /** The body as JSON; malformed JSON is a 400. */
    JsonNode json(long limit) throws IOException {
        byte[] body = body(limit);
        if (body.length == 0) {
            throw ApiException.badRequest(null, "the request body is empty: a JSON object was expected");
        }
        try {
            return JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw ApiException.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    void sendJson(int status, JsonNode node) {
        send(status, "application/json", bytes(node));
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("JSON rendering of a tree cannot fail", e);
        }
    }

    void sendError(ApiException e) {
        sendJson(e.status, error(e.getMessage(), e.type, e.param, e.code));
    }

    static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", message);
        err.put("type", type);
        err.put("param", param);
        err.put("code", code);
        return root;
    }

    void send(int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        completed = true;
        response.write(true, java.nio.ByteBuffer.wrap(body), callback);
    }

    void sendText(int status, String contentType, String body) {
        send(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Starts a streamed answer; the caller writes, then {@link #finish()}. */
    OutputStream stream(int status, String contentType) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        return Content.Sink.asOutputStream(response);
    }

    void finish() {
        if (!completed) {
            completed = true;
            callback.succeeded();
        }
    }

    void fail(Throwable t) {
        if (!completed) {
            completed = true;
            callback.failed(t);
        }
    }

    boolean completed() {
        return completed;
    }
}
