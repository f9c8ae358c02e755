package io.paligemma.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.api.Result;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ResultJson;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.scheduler.SchedulerOptions;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API over loopback against the real server and the bundled demo checkpoint: OpenAI's shapes,
 * answers equal to the library's, errors and limits, 429 from a full queue, drain (clients that leave:
 * {@link ClientDisconnectTest}).
 */
class ChatCompletionsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DemoServer demo;
    private static HttpClient http;
    @TempDir
    static Path media;

    @BeforeAll
    static void start() throws Exception {
        // one running sequence, one waiting: a stalled scheduler makes the queue full after two requests
        SchedulerOptions scheduler = SchedulerOptions.defaults().withMaxRunning(1).withMaxQueued(1);
        ServerConfig config = DemoServer.config().withMediaDir(media).withMaxBodyBytes(200_000).withMaxImagePixels(100_000)
                .withMaxPromptTokens(24).withMaxTokens(300, 16);
        demo = new DemoServer(scheduler, config);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        demo.close();
    }

    static ObjectNode chat(String prompt, String imageUrl, int maxTokens) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", "paligemma-demo");
        root.put("max_tokens", maxTokens);
        var content = root.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "text").put("text", prompt);
        content.addObject().put("type", "image_url").putObject("image_url").put("url", imageUrl);
        return root;
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(demo.url(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertNotNull(e, r.body());
        assertFalse(e.get("message").asText().isEmpty());
        return e;
    }

    /** The datas of an SSE body, in order, up to [DONE] (which must end it). */
    private static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        boolean done = false;
        for (String block : body.split("\n\n")) {
            if (block.isBlank() || block.startsWith(":")) {
                continue;
            }
            assertTrue(block.startsWith("data: "), block);
            assertFalse(done, "an event after [DONE]");
            String data = block.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
            } else {
                out.add(JSON.readTree(data));
            }
        }
        assertTrue(done, "the stream ends with data: [DONE]");
        return out;
    }

    @Test
    void wholeAnswerEqualsTheLibrarysAndHasOpenAIsShape() throws Exception {
        Result lib = demo.model.generate(demo.picture, "caption en", GenerationConfig.greedy(12));
        HttpResponse<String> r = post("/v1/chat/completions", chat("caption en", demo.imageDataUri, 12).toString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode j = JSON.readTree(r.body());
        assertEquals("chat.completion", j.get("object").asText());
        assertEquals("paligemma-demo", j.get("model").asText());
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        JsonNode c = j.get("choices").get(0);
        assertEquals(0, c.get("index").asInt());
        assertEquals("assistant", c.get("message").get("role").asText());
        assertEquals(lib.text(), c.get("message").get("content").asText());
        assertEquals(lib.finishReason() == io.paligemma.generate.FinishReason.MAX_TOKENS ? "length" : "stop",
                c.get("finish_reason").asText());
        JsonNode u = j.get("usage");
        assertEquals(demo.model.promptIds("caption en").length, u.get("prompt_tokens").asInt());
        assertEquals(lib.tokenIds().length, u.get("completion_tokens").asInt());
        assertEquals(u.get("prompt_tokens").asInt() + u.get("completion_tokens").asInt(), u.get("total_tokens").asInt());
    }

    @Test
    void streamedAnswerConcatenatesToTheLibrarysAndEndsWithDone() throws Exception {
        SamplingConfig sampled = new SamplingConfig(0.9f, 0, 0.95, 0f, 1234);
        Result lib = demo.model.generate(demo.picture, "caption es", GenerationConfig.greedy(20).withSampling(sampled));
        ObjectNode req = chat("caption es", demo.imageDataUri, 20);
        req.put("stream", true).put("temperature", 0.9).put("top_p", 0.95).put("seed", 1234);
        req.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> r = post("/v1/chat/completions", req.toString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> ev = events(r.body());
        assertEquals("assistant", ev.getFirst().get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (JsonNode e : ev) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            if (e.hasNonNull("usage")) {
                usage = e.get("usage");
                assertEquals(0, e.get("choices").size());
                continue;
            }
            JsonNode c = e.get("choices").get(0);
            text.append(c.get("delta").path("content").asText(""));
            if (!c.get("finish_reason").isNull()) {
                finish = c.get("finish_reason").asText();
            }
        }
        assertEquals(lib.text(), text.toString());
        assertNotNull(finish);
        assertNotNull(usage, "include_usage gives a usage chunk");
        assertEquals(lib.tokenIds().length, usage.get("completion_tokens").asInt());
    }

    @Test
    void nAnswersDrawWithSeedPlusIndexAndStopCutsTheText() throws Exception {
        ObjectNode req = chat("caption en", demo.imageDataUri, 10);
        req.put("n", 2).put("temperature", 1.0).put("seed", 7);
        JsonNode j = JSON.readTree(post("/v1/chat/completions", req.toString()).body());
        assertEquals(2, j.get("choices").size());
        for (int i = 0; i < 2; i++) {
            Result lib = demo.model.generate(demo.picture, "caption en",
                    GenerationConfig.greedy(10).withSampling(new SamplingConfig(1f, 0, 1.0, 0f, 7 + i)));
            assertEquals(lib.text(), j.get("choices").get(i).get("message").get("content").asText());
            assertEquals(i, j.get("choices").get(i).get("index").asInt());
        }
        // a stop string taken from the greedy answer's middle: the answer ends before it
        String whole = demo.model.generate(demo.picture, "caption en", GenerationConfig.greedy(16)).text();
        String stop = whole.substring(whole.length() / 2, whole.length() / 2 + 3);
        ObjectNode stopped = chat("caption en", demo.imageDataUri, 16);
        stopped.putArray("stop").add(stop);
        JsonNode s = JSON.readTree(post("/v1/chat/completions", stopped.toString()).body()).get("choices").get(0);
        assertEquals(whole.substring(0, whole.indexOf(stop)), s.get("message").get("content").asText());
        assertEquals("stop", s.get("finish_reason").asText());
    }

    @Test
    void logprobsAreTheLibrarysInOpenAIsShape() throws Exception {
        Result lib = demo.model.generate(demo.picture, "caption en", GenerationConfig.greedy(6).withLogprobs(3), null);
        ObjectNode req = chat("caption en", demo.imageDataUri, 6).put("logprobs", true).put("top_logprobs", 3);
        JsonNode content = JSON.readTree(post("/v1/chat/completions", req.toString()).body()).get("choices").get(0)
                .get("logprobs").get("content");
        assertEquals(lib.logprobs().size(), content.size());
        for (int i = 0; i < content.size(); i++) {
            JsonNode e = content.get(i);
            assertEquals(lib.logprobs().get(i).tokenId(), e.get("token_id").asInt());
            assertEquals(demo.model.tokenizer().piece(lib.logprobs().get(i).tokenId()), e.get("token").asText());
            assertEquals(lib.logprobs().get(i).logprob(), (float) e.get("logprob").asDouble());
            assertEquals(3, e.get("top_logprobs").size());
            assertEquals(lib.logprobs().get(i).topLogprobs().get(0).tokenId(), e.get("top_logprobs").get(0).get("token_id").asInt());
        }
        ObjectNode streamed = chat("caption en", demo.imageDataUri, 6).put("logprobs", true).put("stream", true);
        assertEquals("logprobs", error(post("/v1/chat/completions", streamed.toString()), 400).get("param").asText());
    }

    @Test
    void errorsAreOpenAIShapedAndNameTheProblem() throws Exception {
        assertTrue(error(post("/v1/chat/completions", "{not json"), 400).get("message").asText().contains("JSON"));
        assertTrue(error(post("/v1/chat/completions", chat("caption en", "data:image/png;base64,@@@", 4).toString()), 400)
                .get("message").asText().contains("base64"));
        JsonNode url = error(post("/v1/chat/completions", chat("caption en", "https://example.com/cat.jpg", 4).toString()), 400);
        assertTrue(url.get("message").asText().contains("fetches nothing from the network"), url.toString());
        JsonNode outside = error(post("/v1/chat/completions", chat("caption en", "file:///etc/hostname", 4).toString()), 400);
        assertTrue(outside.get("message").asText().contains("outside the media directory"), outside.toString());
        ObjectNode unknown = chat("caption en", demo.imageDataUri, 4).put("model", "gpt-4o");
        assertEquals("model_not_found", error(post("/v1/chat/completions", unknown.toString()), 404).get("code").asText());
        ObjectNode noImage = JSON.createObjectNode().put("model", "paligemma-demo");
        noImage.putArray("messages").addObject().put("role", "user").put("content", "caption en");
        assertTrue(error(post("/v1/chat/completions", noImage.toString()), 400).get("message").asText().contains("no image"));
        ObjectNode two = chat("caption en", demo.imageDataUri, 4);
        ((com.fasterxml.jackson.databind.node.ArrayNode) two.get("messages").get(0).get("content")).addObject()
                .put("type", "image_url").putObject("image_url").put("url", demo.imageDataUri);
        assertTrue(error(post("/v1/chat/completions", two.toString()), 400).get("message").asText().contains("more than one"));
        assertEquals(404, http.send(HttpRequest.newBuilder(demo.url("/v1/nothing")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void limitsRefuseWith400NamingTheLimit() throws Exception {
        String big = "x".repeat(250_000);
        JsonNode body = error(post("/v1/chat/completions", chat("caption en", "data:image/png;base64," + big, 4).toString()), 400);
        assertEquals("body_too_large", body.get("code").asText());
        assertTrue(body.get("message").asText().contains("--max-body-mb"));
        JsonNode tokens = error(post("/v1/chat/completions", chat("caption en", demo.imageDataUri, 301).toString()), 400);
        assertEquals("max_tokens_too_large", tokens.get("code").asText());
        JsonNode prompt = error(post("/v1/chat/completions", chat("caption en " + "word ".repeat(40), demo.imageDataUri, 4)
                .toString()), 400);
        assertEquals("prompt_too_long", prompt.get("code").asText());
        assertTrue(prompt.get("message").asText().contains("--max-prompt-tokens"));
        // a 400x300 picture (120,000 pixels) over the 100,000-pixel limit, as a file under --media-dir
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(400, 300, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Path file = media.resolve("large.png");
        javax.imageio.ImageIO.write(img, "png", file.toFile());
        JsonNode pixels = error(post("/v1/chat/completions", chat("caption en", file.toUri().toString(), 4).toString()), 400);
        assertEquals("image_too_large", pixels.get("code").asText());
        assertTrue(pixels.get("message").asText().contains("--max-image-pixels"), pixels.toString());
        // the same picture as a file:// URL inside --media-dir is read
        Files.copy(demo.image(), media.resolve("demo.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        HttpResponse<String> ok = post("/v1/chat/completions", chat("caption en", media.resolve("demo.png").toUri().toString(), 4)
                .toString());
        assertEquals(200, ok.statusCode(), ok.body());
    }

    @Test
    void fullQueueAnswers429WithRetryAfterAndTheQueuedRequestStillCompletes() throws Exception {
        CompletableFuture<HttpResponse<String>> queued;
        HttpResponse<String> refused;
        try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
            held.check();
            queued = http.sendAsync(HttpRequest.newBuilder(demo.url("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(chat("caption en", demo.imageDataUri, 4).toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            held.awaitQueued(1);
            refused = post("/v1/chat/completions", chat("caption en", demo.imageDataUri, 4).toString());
        }
        JsonNode e = error(refused, 429);
        assertEquals("queue_full", e.get("code").asText());
        long retry = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
        HttpResponse<String> later = queued.get(60, TimeUnit.SECONDS);
        assertEquals(200, later.statusCode(), later.body());
        String metrics = http.send(HttpRequest.newBuilder(demo.url("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("paligemma_requests_total{endpoint=\"/v1/chat/completions\",outcome=\"rejected\"}"), metrics);
    }

    @Test
    void detectAnswersTheCliJsonForTheLibrarysAnswer() throws Exception {
        ObjectNode req = JSON.createObjectNode().put("model", "paligemma-demo").put("image", demo.imageDataUri).put("max_tokens", 24);
        req.putArray("objects").add("cat").add("dog");
        HttpResponse<String> r = post("/v1/detect", req.toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        Result lib = demo.model.generate(demo.picture, "detect cat ; dog", GenerationConfig.greedy(24));
        ObjectNode expected = ResultJson.toTree(OutputParser.parse(lib.text(), demo.picture.width(), demo.picture.height()));
        assertEquals(expected.get("image"), j.get("image"));
        assertEquals(expected.get("objects"), j.get("objects"));
        assertEquals(expected.get("problems"), j.get("problems"));
        assertEquals(lib.text(), j.get("answer").asText());
        ObjectNode seg = JSON.createObjectNode().put("image", demo.imageDataUri).put("object", "cat").put("max_tokens", 24);
        JsonNode s = JSON.readTree(post("/v1/segment", seg.toString()).body());
        Result libSeg = demo.model.generate(demo.picture, "segment cat", GenerationConfig.greedy(24));
        assertEquals(libSeg.text(), s.get("answer").asText());
        assertEquals(400, post("/v1/detect", JSON.createObjectNode().put("image", demo.imageDataUri).toString()).statusCode());
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        JsonNode models = JSON.readTree(http.send(HttpRequest.newBuilder(demo.url("/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("list", models.get("object").asText());
        assertEquals("paligemma-demo", models.get("data").get(0).get("id").asText());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(demo.url("/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok", JSON.readTree(health.body()).get("status").asText());
        post("/v1/chat/completions", chat("caption en", demo.imageDataUri, 3).toString());
        HttpResponse<String> m = http.send(HttpRequest.newBuilder(demo.url("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(m.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String text = m.body();
        for (String name : List.of("paligemma_requests_total{endpoint=\"/v1/chat/completions\",outcome=\"ok\"}",
                "paligemma_queue_depth", "paligemma_running_sequences", "paligemma_prompt_tokens_total",
                "paligemma_generated_tokens_total", "paligemma_time_to_first_token_seconds_bucket",
                "paligemma_time_per_output_token_seconds_bucket", "paligemma_image_feature_cache_hits_total",
                "paligemma_scheduler_postponed_decodes_total")) {
            assertTrue(text.contains(name), name + " in\n" + text);
        }
        double generated = Double.parseDouble(text.lines().filter(l -> l.startsWith("paligemma_generated_tokens_total "))
                .findFirst().orElseThrow().split(" ")[1]);
        assertTrue(generated >= 3, "generated tokens " + generated);
    }

    @Test
    void drainLetsARunningRequestEndWithAnErrorEventAfterTheGrace() throws Exception {
        // a server of its own (drain stops it), over the same model
        ServerConfig cfg = DemoServer.config().withGrace(Duration.ofMillis(300));
        PaliGemmaServer own = new PaliGemmaServer(cfg, null).start();
        own.ready(demo.model);
        int port = own.port();
        try {
            CompletableFuture<HttpResponse<String>> running;
            try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
                held.check();
                ObjectNode req = chat("caption en", demo.imageDataUri, 50).put("stream", true);
                running = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(req.toString())).build(), HttpResponse.BodyHandlers.ofString());
                held.awaitQueued(1);
                own.drain();                                 // the request cannot finish while the scheduler is held
            }
            HttpResponse<String> r = running.get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            List<JsonNode> ev = events(r.body());
            JsonNode last = ev.getLast();
            assertEquals("shutting_down", last.get("error").get("code").asText(), r.body());
            assertEquals(0, own.inFlight());
            // no longer accepting
            assertTrue(assertThrowsIo(port), "the listener is closed after drain");
        } finally {
            own.close();
        }
    }

    private static boolean assertThrowsIo(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return !s.isConnected();
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
