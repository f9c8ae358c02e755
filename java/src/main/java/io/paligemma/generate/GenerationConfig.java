package io.paligemma.generate;

import java.util.List;

/**
 * @param maxNewTokens upper bound of generated tokens
 * @param sampling how tokens are chosen
 * @param stopAtEos end when the model emits eos_token_id (the eos token is not part of the output)
 * @param stopStrings end as soon as the decoded text contains one of these (the text is cut before it);
 *                    checked where the tokenizer is known (the api package)
 * @param logprobs report each generated token's log-probability (OpenAI's {@code logprobs})
 * @param topLogprobs with logprobs, also the this many most likely tokens at each step, 0 to
 *                    {@link #MAX_TOP_LOGPROBS} (OpenAI's {@code top_logprobs})
 */
public record GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, List<String> stopStrings,
                               boolean logprobs, int topLogprobs) {

    /** OpenAI's bound on {@code top_logprobs}, kept so that the HTTP server can pass requests through unchanged. */
    public static final int MAX_TOP_LOGPROBS = 20;

    /** Without log-probabilities. */
    public GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, List<String> stopStrings) {
        this(maxNewTokens, sampling, stopAtEos, stopStrings, false, 0);
    }

    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop string is empty");
            }
        }
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("top logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
        }
        if (topLogprobs > 0 && !logprobs) {
            throw new IllegalArgumentException("top logprobs (" + topLogprobs + ") need logprobs on");
        }
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, SamplingConfig.GREEDY, true, List.of());
    }

    public GenerationConfig withSampling(SamplingConfig s) {
        return new GenerationConfig(maxNewTokens, s, stopAtEos, stopStrings, logprobs, topLogprobs);
    }

    public GenerationConfig withStopStrings(List<String> stops) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stops, logprobs, topLogprobs);
    }

    /** Log-probabilities of the generated tokens, and the {@code top} most likely tokens at each step (0 for none). */
    public GenerationConfig withLogprobs(int top) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stopStrings, true, top);
    }
}
