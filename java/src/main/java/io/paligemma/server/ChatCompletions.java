package io.paligemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.api.LogprobsJson;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.api.Timings;
import io.paligemma.generate.FinishReason;
import io.paligemma.image.RgbImage;
import io.paligemma.scheduler.QueueFullException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /v1/chat/completions}: OpenAI's request and response shapes, whole or streamed as server-sent
 * events ({@code chat.completion.chunk} objects, then {@code data: [DONE]}). The mapping of a conversation
 * onto PaliGemma's single prompt is {@link ChatRequest}'s.
 */
final class ChatCompletions {
    /** How long the request's thread waits for an event before it pings a streaming client (and so notices one that left). */
    static final long PING_MILLIS = 1000;
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final AtomicLong IDS = new AtomicLong();

    private final PaliGemmaServer server;

    ChatCompletions(PaliGemmaServer server) {
        this.server = server;
    }

    void handle(Exchange x) throws IOException, InterruptedException {
        JsonNode body = x.json(server.config.maxBodyBytes());
        ChatRequest req = ChatRequest.parse(body, server.config);
        server.checkModelName(req.model());
        PaliGemma model = server.model();
        RgbImage image = server.media.image(req.imageUrl(), "messages.image_url");
        int[] ids = promptIds(server, model, req.prompt());
        Job job = server.begin(x.startedNanos);
        try {
            x.request.addFailureListener(t -> job.abort("the client went away (" + t + ")", false));
            for (int i = 0; i < req.n(); i++) {
                submit(server, x, job, model, i, image, ids, req);
            }
            String id = "chatcmpl-" + Long.toHexString(System.currentTimeMillis()) + "-" + IDS.incrementAndGet();
            long created = System.currentTimeMillis() / 1000;
            if (req.stream()) {
                stream(x, job, req, id, created, ids.length);
            } else {
                whole(x, job, req, id, created, ids.length, model);
            }
        } finally {
            job.cancel();
            server.end(job);
        }
    }

    /** The prompt's ids, refused past the server's prompt-length limit or the model's context. */
    static int[] promptIds(PaliGemmaServer server, PaliGemma model, String prompt) {
        int[] ids;
        try {
            ids = model.promptIds(prompt);
        } catch (IllegalArgumentException e) {
            throw ApiException.limit("messages", "context_length_exceeded", e.getMessage());
        }
        int text = ids.length - model.config().numImageTokens();
        if (text > server.config.maxPromptTokens()) {
            throw ApiException.limit("messages", "prompt_too_long", "the prompt takes " + text + " text tokens, over the "
                    + "server's limit of " + server.config.maxPromptTokens() + " (--max-prompt-tokens)");
        }
        return ids;
    }

    private static void submit(PaliGemmaServer server, Exchange x, Job job, PaliGemma model, int i, RgbImage image,
                               int[] ids, ChatRequest req) {
        try {
            job.submit(model, i, image, ids, req.generation(i), req.stream());
        } catch (QueueFullException e) {
            throw server.tooManyRequests(e, x.response);
        } catch (IllegalArgumentException e) {
            throw ApiException.limit("max_tokens", "context_length_exceeded", e.getMessage());
        } catch (IllegalStateException e) {
            throw new ApiException(503, "server_error", null, "unavailable", e.getMessage());
        }
    }

    private void whole(Exchange x, Job job, ChatRequest req, String id, long created, int promptTokens, PaliGemma model)
            throws InterruptedException {
        Result[] results = new Result[req.n()];
        try (ClientWatch client = ClientWatch.of(x.request)) {
            for (int done = 0; done < req.n(); ) {
                Job.Event e = job.next(PING_MILLIS);
                switch (e) {
                    case null -> abortIfGone(client, job);
                    case Job.Text t -> { }
                    case Job.Done d -> {
                        results[d.index()] = checked(d.result());
                        server.metrics.generation(d.result().timings(), job.beforeSubmitNanos());
                        done++;
                    }
                    case Job.Failed f -> throw failure(job, f.error());
                    case Job.Aborted a -> throw aborted(a);
                }
            }
        }
        ObjectNode root = Exchange.JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "chat.completion");
        root.put("created", created);
        root.put("model", server.config.modelName());
        ArrayNode choices = root.putArray("choices");
        int completion = 0;
        for (int i = 0; i < results.length; i++) {
            ObjectNode c = choices.addObject();
            c.put("index", i);
            ObjectNode m = c.putObject("message");
            m.put("role", "assistant");
            m.put("content", results[i].text());
            if (req.generation().logprobs()) {
                c.set("logprobs", LogprobsJson.of(Exchange.JSON, results[i].logprobs(), model.tokenizer()));
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", finishReason(results[i].finishReason()));
            completion += results[i].tokenIds().length;
        }
        usage(root, promptTokens, completion);
        root.set("timings", timings(results[0].timings()));
        x.sendJson(200, root);
    }

    /**
     * Cancels the job of a non-streamed request whose client closed or reset its connection (checked each
     * {@link #PING_MILLIS} while the answer is computed): its generations end at the scheduler's next step.
     */
    static void abortIfGone(ClientWatch client, Job job) {
        if (client.gone()) {
            job.abort("the client closed the connection", false);
        }
    }

    private void stream(Exchange x, Job job, ChatRequest req, String id, long created, int promptTokens)
            throws InterruptedException {
        OutputStream out = x.stream(200, "text/event-stream; charset=utf-8");
        try {
            for (int i = 0; i < req.n(); i++) {
                ObjectNode delta = Exchange.JSON.createObjectNode();
                delta.put("role", "assistant");
                delta.put("content", "");
                event(out, chunk(id, created, i, delta, null));
            }
            int completion = 0;
            Timings first = null;
            for (int done = 0; done < req.n(); ) {
                Job.Event e = job.next(PING_MILLIS);
                switch (e) {
                    case null -> PaliGemmaServer.writeQuietly(out, PING);
                    case Job.Text t -> {
                        ObjectNode delta = Exchange.JSON.createObjectNode();
                        delta.put("content", t.text());
                        event(out, chunk(id, created, t.index(), delta, null));
                    }
                    case Job.Done d -> {
                        Result r = d.result();
                        if (r.finishReason() == FinishReason.NON_FINITE) {
                            errorEvent(out, new ApiException(500, "server_error", null, "non_finite", r.finishReason().problem()));
                            return;
                        }
                        server.metrics.generation(r.timings(), job.beforeSubmitNanos());
                        completion += r.tokenIds().length;
                        first = first == null ? r.timings() : first;
                        ObjectNode last = chunk(id, created, d.index(), Exchange.JSON.createObjectNode(),
                                finishReason(r.finishReason()));
                        last.set("timings", timings(r.timings()));
                        event(out, last);
                        done++;
                    }
                    case Job.Failed f -> {
                        ApiException failure = failure(job, f.error());
                        if (failure.status == 499) {
                            throw failure;
                        }
                        errorEvent(out, failure);
                        return;
                    }
                    case Job.Aborted a -> {
                        if (!a.shutdown()) {
                            throw aborted(a);
                        }
                        errorEvent(out, aborted(a));
                        return;
                    }
                }
            }
            if (req.includeUsage()) {
                ObjectNode u = Exchange.JSON.createObjectNode();
                u.put("id", id);
                u.put("object", "chat.completion.chunk");
                u.put("created", created);
                u.put("model", server.config.modelName());
                u.putArray("choices");
                usage(u, promptTokens, completion);
                event(out, u);
            }
            PaliGemmaServer.writeQuietly(out, DONE);
            out.close();
        } catch (IOException e) {
            // the client went away: its answers end at the model's next step
            job.abort("the client went away", false);
            throw new ApiException(499, "client_closed", null, "client_closed", "the client closed the connection");
        }
    }

    private void errorEvent(OutputStream out, ApiException e) throws IOException {
        event(out, Exchange.error(e.getMessage(), e.type, e.param, e.code));
        PaliGemmaServer.writeQuietly(out, DONE);
        out.close();
    }

    private static void event(OutputStream out, ObjectNode node) throws IOException {
        byte[] json = Exchange.bytes(node);
        byte[] buf = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, buf, 0, 6);
        System.arraycopy(json, 0, buf, 6, json.length);
        buf[buf.length - 2] = '\n';
        buf[buf.length - 1] = '\n';
        PaliGemmaServer.writeQuietly(out, buf);
    }

    private ObjectNode chunk(String id, long created, int index, ObjectNode delta, String finish) {
        ObjectNode root = Exchange.JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "chat.completion.chunk");
        root.put("created", created);
        root.put("model", server.config.modelName());
        ObjectNode c = root.putArray("choices").addObject();
        c.put("index", index);
        c.set("delta", delta);
        c.putNull("logprobs");
        c.put("finish_reason", finish);
        return root;
    }

    private static void usage(ObjectNode root, int prompt, int completion) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
    }

    /** The stage times of one answer (not part of OpenAI's shape; llama.cpp's server adds the same kind of field). */
    static ObjectNode timings(Timings t) {
        ObjectNode n = Exchange.JSON.createObjectNode();
        n.put("preprocess_ms", t.preprocessNanos() / 1e6);
        n.put("queued_ms", t.queuedNanos() / 1e6);
        n.put("vision_ms", t.visionNanos() / 1e6);
        n.put("prefill_ms", t.prefillNanos() / 1e6);
        n.put("decode_ms", t.decodeNanos() / 1e6);
        n.put("time_to_first_token_ms", t.timeToFirstTokenNanos() / 1e6);
        n.put("prompt_tokens", t.promptTokens());
        n.put("generated_tokens", t.generatedTokens());
        n.put("decode_tokens_per_s", t.decodeTokensPerSecond());
        return n;
    }

    static String finishReason(FinishReason r) {
        return switch (r) {
            case EOS, STOP -> "stop";
            case MAX_TOKENS -> "length";
            case NON_FINITE -> "error";
        };
    }

    static Result checked(Result r) {
        if (r.finishReason() == FinishReason.NON_FINITE) {
            throw new ApiException(500, "server_error", null, "non_finite", r.finishReason().problem());
        }
        return r;
    }

    /** What ended a generation, as the error the client gets. */
    static ApiException failure(Job job, Throwable e) {
        if (job.aborted() != null) {
            return aborted(job.aborted());
        }
        if (e instanceof CancellationException) {
            return new ApiException(499, "client_closed", null, "client_closed", "the request was cancelled");
        }
        if (e instanceof IllegalStateException) {
            return new ApiException(503, "server_error", null, "unavailable", e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return ApiException.badRequest(null, e.getMessage());
        }
        return new ApiException(500, "server_error", null, null, "the request failed: " + e);
    }

    static ApiException aborted(Job.Aborted a) {
        return a.shutdown() ? new ApiException(503, "server_error", null, "shutting_down", a.reason())
                : new ApiException(499, "client_closed", null, "client_closed", a.reason());
    }
}
