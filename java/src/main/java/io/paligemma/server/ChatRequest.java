package io.paligemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An OpenAI chat-completions request mapped onto PaliGemma, which has no chat template (see DESIGN.md,
 * "The HTTP server"):
 * <ul>
 *   <li>the conversation must hold exactly one picture, an {@code image_url} content part of a user message
 *       (PaliGemma sees one picture per prompt);</li>
 *   <li>the prompt is the text of the <em>last</em> user message (its text parts joined by a space); earlier
 *       turns, system and assistant messages are not shown to the model (it was trained on single task
 *       prompts such as {@code caption en}, not dialogues);</li>
 *   <li>no temperature means greedy decoding (PaliGemma's own default), not OpenAI's 1.0;</li>
 *   <li>{@code logprobs} / {@code top_logprobs} with whole answers only.</li>
 * </ul>
 */
record ChatRequest(String model, String imageUrl, String prompt, GenerationConfig generation, int n, boolean stream,
                   boolean includeUsage) {

    static ChatRequest parse(JsonNode body, ServerConfig limits) {
        if (!body.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object");
        }
        String model = text(body, "model", true);
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must be a non-empty array");
        }
        String imageUrl = null;
        String prompt = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.badRequest(where, where + " must be an object");
            }
            String role = text(m, "role", true, where + ".role");
            if (!List.of("system", "developer", "user", "assistant", "tool").contains(role)) {
                throw ApiException.badRequest(where + ".role", "unknown role '" + role + "'");
            }
            JsonNode content = m.get("content");
            List<String> texts = new ArrayList<>();
            if (content == null || content.isNull()) {
                // an assistant turn may carry no content
            } else if (content.isTextual()) {
                texts.add(content.asText());
            } else if (content.isArray()) {
                for (int j = 0; j < content.size(); j++) {
                    JsonNode part = content.get(j);
                    String at = where + ".content[" + j + "]";
                    String type = text(part, "type", true, at + ".type");
                    switch (type) {
                        case "text" -> texts.add(text(part, "text", true, at + ".text"));
                        case "image_url" -> {
                            if (!role.equals("user")) {
                                throw ApiException.badRequest(at, "an image must be part of a user message, not of a "
                                        + role + " message");
                            }
                            if (imageUrl != null) {
                                throw ApiException.badRequest(at, "PaliGemma answers about one picture: this conversation "
                                        + "holds more than one image_url part");
                            }
                            JsonNode iu = part.get("image_url");
                            imageUrl = iu != null && iu.isTextual() ? iu.asText() : text(iu, "url", true, at + ".image_url.url");
                        }
                        default -> throw ApiException.badRequest(at + ".type", "unsupported content part type '" + type
                                + "' (text and image_url are)");
                    }
                }
            } else {
                throw ApiException.badRequest(where + ".content", where + ".content must be a string or an array of parts");
            }
            if (role.equals("user")) {
                prompt = String.join(" ", texts).strip();
            }
        }
        if (prompt == null) {
            throw ApiException.badRequest("messages", "no user message: the last user message's text is PaliGemma's prompt");
        }
        if (imageUrl == null) {
            throw ApiException.badRequest("messages", "no image: PaliGemma needs one picture, as an image_url content part "
                    + "of a user message");
        }

        int maxTokens = integer(body, body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                limits.defaultMaxTokens());
        if (maxTokens < 1) {
            throw ApiException.badRequest("max_tokens", "max_tokens must be >= 1, got " + maxTokens);
        }
        if (maxTokens > limits.maxTokens()) {
            throw ApiException.limit("max_tokens", "max_tokens_too_large", "max_tokens " + maxTokens
                    + " exceeds the server's limit of " + limits.maxTokens() + " (--max-tokens-limit)");
        }
        int n = integer(body, "n", 1);
        if (n < 1 || n > limits.maxN()) {
            throw ApiException.limit("n", "n_out_of_range", "n must be in [1, " + limits.maxN() + "] (--max-n), got " + n);
        }
        double temperature = number(body, "temperature", 0);
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiException.badRequest("temperature", "temperature must be in [0, 2], got " + temperature);
        }
        double topP = number(body, "top_p", 1);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiException.badRequest("top_p", "top_p must be in (0, 1], got " + topP);
        }
        long seed = body.hasNonNull("seed") ? longValue(body, "seed") : ThreadLocalRandom.current().nextLong();
        List<String> stops = stops(body.get("stop"));
        boolean stream = bool(body, "stream");
        boolean logprobs = bool(body, "logprobs");
        int topLogprobs = integer(body, "top_logprobs", 0);
        if (body.hasNonNull("top_logprobs") && !logprobs) {
            throw ApiException.badRequest("top_logprobs", "top_logprobs needs logprobs: true");
        }
        if (topLogprobs < 0 || topLogprobs > GenerationConfig.MAX_TOP_LOGPROBS) {
            throw ApiException.badRequest("top_logprobs", "top_logprobs must be in [0, " + GenerationConfig.MAX_TOP_LOGPROBS
                    + "], got " + topLogprobs);
        }
        if (logprobs && stream) {
            throw ApiException.badRequest("logprobs", "logprobs are served with whole answers only (stream: false): "
                    + "a streamed piece of text need not be whole tokens");
        }
        JsonNode so = body.get("stream_options");
        boolean includeUsage = so != null && so.isObject() && so.path("include_usage").asBoolean(false);
        SamplingConfig sampling = new SamplingConfig((float) temperature, 0, topP, 0f, seed);
        GenerationConfig g = new GenerationConfig(maxTokens, sampling, true, stops);
        return new ChatRequest(model, imageUrl, prompt, logprobs ? g.withLogprobs(topLogprobs) : g, n, stream, includeUsage);
    }

    /** The generation of answer {@code i} of n: each answer draws with its own seed (seed + i). */
    GenerationConfig generation(int i) {
        return generation.withSampling(generation.sampling().withSeed(generation.sampling().seed() + i));
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (stop.isTextual()) {
            out.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= 4) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiException.badRequest("stop", "stop must be a string or an array of up to 4 strings");
                }
                out.add(s.asText());
            }
        } else {
            throw ApiException.badRequest("stop", "stop must be a string or an array of up to 4 strings");
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiException.badRequest("stop", "a stop string is empty");
            }
        }
        return out;
    }

    static String text(JsonNode node, String field, boolean required) {
        return text(node, field, required, field);
    }

    private static String text(JsonNode node, String field, boolean required, String param) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.badRequest(param, "'" + param + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest(param, "'" + param + "' must be a string");
        }
        return v.asText();
    }

    static int integer(JsonNode body, String field, int otherwise) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.badRequest(field, "'" + field + "' must be an integer");
        }
        return v.asInt();
    }

    private static long longValue(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badRequest(field, "'" + field + "' must be an integer");
        }
        return v.asLong();
    }

    private static double number(JsonNode body, String field, double otherwise) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isNumber()) {
            throw ApiException.badRequest(field, "'" + field + "' must be a number");
        }
        return v.asDouble();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest(field, "'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }
}
