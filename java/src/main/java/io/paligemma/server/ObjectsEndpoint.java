package io.paligemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Prompts;
import io.paligemma.api.Result;
import io.paligemma.detect.BinaryMask;
import io.paligemma.detect.DetectedObject;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.ResultJson;
import io.paligemma.detect.Segmentation;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.RgbImage;
import io.paligemma.scheduler.QueueFullException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * {@code POST /v1/detect} and {@code POST /v1/segment}: a picture and what to look for in, the CLI's
 * detect/segment JSON out ({@link ResultJson}: boxes in pixel coordinates, codes, problems), plus the raw
 * {@code answer}, {@code timings}, and for each decoded mask a {@code mask.png} data URI (white where the
 * object is, transparent elsewhere, the picture's size) when the server has mask-decoder weights.
 *
 * <pre>{"image": "data:image/png;base64,...", "objects": ["cat", "dog"], "max_tokens": 128}   detect
 * {"image": "data:image/png;base64,...", "object": "cat"}                                   segment</pre>
 */
final class ObjectsEndpoint {
    private final PaliGemmaServer server;

    ObjectsEndpoint(PaliGemmaServer server) {
        this.server = server;
    }

    void handle(Exchange x, boolean segment) throws IOException, InterruptedException {
        JsonNode body = x.json(server.config.maxBodyBytes());
        if (!body.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object");
        }
        server.checkModelName(ChatRequest.text(body, "model", false));
        String prompt = segment ? Prompts.segment(object(body)) : Prompts.detect(objects(body));
        int maxTokens = ChatRequest.integer(body, "max_tokens", 128);
        if (maxTokens < 1 || maxTokens > server.config.maxTokens()) {
            throw ApiException.limit("max_tokens", "max_tokens_out_of_range", "max_tokens must be in [1, "
                    + server.config.maxTokens() + "] (--max-tokens-limit), got " + maxTokens);
        }
        JsonNode imageNode = body.get("image");
        String url = imageNode != null && imageNode.isObject() ? ChatRequest.text(imageNode, "url", true)
                : ChatRequest.text(body, "image", true);
        PaliGemma model = server.model();
        RgbImage image = server.media.image(url, "image");
        int[] ids = ChatCompletions.promptIds(server, model, prompt);
        Job job = server.begin(x.startedNanos);
        Result result = null;
        try {
            x.request.addFailureListener(t -> job.abort("the client went away (" + t + ")", false));
            try {
                job.submit(model, 0, image, ids, GenerationConfig.greedy(maxTokens), false);
            } catch (QueueFullException e) {
                throw server.tooManyRequests(e, x.response);
            } catch (IllegalArgumentException e) {
                throw ApiException.limit("max_tokens", "context_length_exceeded", e.getMessage());
            } catch (IllegalStateException e) {
                throw new ApiException(503, "server_error", null, "unavailable", e.getMessage());
            }
            try (ClientWatch client = ClientWatch.of(x.request)) {
                while (result == null) {
                    switch (job.next(ChatCompletions.PING_MILLIS)) {
                        case null -> ChatCompletions.abortIfGone(client, job);
                        case Job.Text t -> { }
                        case Job.Done d -> result = ChatCompletions.checked(d.result());
                        case Job.Failed f -> throw ChatCompletions.failure(job, f.error());
                        case Job.Aborted a -> throw ChatCompletions.aborted(a);
                    }
                }
            }
        } finally {
            job.cancel();
            server.end(job);
        }
        server.metrics.generation(result.timings(), job.beforeSubmitNanos());
        ParseResult parsed = OutputParser.parse(result.text(), image.width(), image.height());
        boolean hasSegments = parsed.objects().stream().anyMatch(Segmentation.class::isInstance);
        if (hasSegments && server.maskDecoder != null) {
            parsed = server.maskDecoder.decodeAll(parsed);
        }
        ObjectNode root = ResultJson.toTree(parsed);
        ArrayNode objects = (ArrayNode) root.get("objects");
        for (int i = 0; i < parsed.objects().size(); i++) {
            DetectedObject o = parsed.objects().get(i);
            if (o instanceof Segmentation s && s.mask() != null) {
                ((ObjectNode) objects.get(i).get("mask")).put("png", png(s.mask()));
            }
        }
        if (hasSegments && server.maskDecoder == null) {
            root.put("note", "masks not decoded: the server was started without --seg-weights");
        }
        root.put("answer", result.text());
        root.put("finish_reason", ChatCompletions.finishReason(result.finishReason()));
        root.set("timings", ChatCompletions.timings(result.timings()));
        x.sendJson(200, root);
    }

    private static String object(JsonNode body) {
        String o = ChatRequest.text(body, "object", false);
        if (o == null) {
            List<String> list = objects(body);
            if (list.size() != 1) {
                throw ApiException.badRequest("object", "segment takes one object ('object': \"cat\")");
            }
            o = list.getFirst();
        }
        if (o.isBlank() || o.contains(";")) {
            throw ApiException.badRequest("object", "'object' must name one thing (no ';'), got '" + o + "'");
        }
        return o.strip();
    }

    private static List<String> objects(JsonNode body) {
        JsonNode v = body.get("objects");
        List<String> out = new ArrayList<>();
        if (v != null && v.isTextual()) {
            for (String s : v.asText().split(";")) {
                out.add(s.strip());
            }
        } else if (v != null && v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw ApiException.badRequest("objects", "'objects' must be strings");
                }
                out.add(s.asText().strip());
            }
        } else {
            throw ApiException.badRequest("objects", "'objects' is required: a list of what to look for, e.g. [\"cat\", \"dog\"]");
        }
        out.removeIf(String::isEmpty);
        if (out.isEmpty()) {
            throw ApiException.badRequest("objects", "'objects' names nothing to look for");
        }
        for (String s : out) {
            if (s.contains(";")) {
                throw ApiException.badRequest("objects", "an object name contains ';' (the prompt's separator): '" + s + "'");
            }
        }
        return out;
    }

    /** The mask as a PNG data URI: white (opaque) where the object is, transparent elsewhere. */
    static String png(BinaryMask mask) throws IOException {
        BufferedImage img = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < mask.width(); x++) {
                img.setRGB(x, y, mask.get(x, y) ? 0xFFFFFFFF : 0);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
