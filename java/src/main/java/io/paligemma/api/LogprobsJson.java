package io.paligemma.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.generate.TokenLogprob;
import io.paligemma.generate.TopLogprob;
import io.paligemma.tokenizer.Tokenizer;
import java.util.List;

/**
 * Log-probabilities in the shape of OpenAI's {@code logprobs} object: {@code {"content": [{"token", "token_id",
 * "logprob", "top_logprobs": [{"token", "token_id", "logprob"}]}]}}. {@code token} is the vocabulary piece
 * (SentencePiece's ▁ for a space, {@code <0xNN>} for a byte); OpenAI's {@code bytes} is left out. Used by
 * {@code generate --logprobs} and the HTTP server's chat completions.
 */
public final class LogprobsJson {
    private LogprobsJson() {
    }

    public static ObjectNode of(ObjectMapper json, List<TokenLogprob> logprobs, Tokenizer tokenizer) {
        ObjectNode root = json.createObjectNode();
        ArrayNode content = root.putArray("content");
        for (TokenLogprob t : logprobs) {
            ObjectNode entry = content.addObject();
            entry.put("token", tokenizer.piece(t.tokenId())).put("token_id", t.tokenId()).put("logprob", t.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (TopLogprob a : t.topLogprobs()) {
                top.addObject().put("token", tokenizer.piece(a.tokenId())).put("token_id", a.tokenId())
                        .put("logprob", a.logprob());
            }
        }
        return root;
    }
}
