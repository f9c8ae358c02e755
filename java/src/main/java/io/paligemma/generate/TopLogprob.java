package io.paligemma.generate;

/** One of the most likely tokens at a step, as OpenAI's {@code top_logprobs} entries: id and log-probability. */
public record TopLogprob(int tokenId, float logprob) {
}
