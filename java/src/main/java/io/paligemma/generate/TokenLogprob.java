package io.paligemma.generate;

import java.util.List;

/**
 * The log-probability of one generated token and the most likely alternatives at its step, from the
 * distribution the token was chosen from (after the repetition penalty and, when sampling, temperature,
 * top-k, top-p and min-p): OpenAI's {@code logprobs.content[i]} with {@code token}/{@code bytes} left to whoever
 * holds the tokenizer. A sampled step's alternatives are kept tokens only, so there may be fewer than asked.
 *
 * @param tokenId     the chosen token
 * @param logprob     its log-probability (natural log), never -inf: a chosen token was kept
 * @param topLogprobs the {@code top_logprobs} most likely tokens, most likely first (the chosen one among them when
 *                    it is one of those)
 */
public record TokenLogprob(int tokenId, float logprob, List<TopLogprob> topLogprobs) {
    public TokenLogprob {
        topLogprobs = List.copyOf(topLogprobs);
    }
}
