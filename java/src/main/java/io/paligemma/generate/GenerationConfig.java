package io.paligemma.generate;

import java.util.List;

/**
 * @param maxNewTokens upper bound of generated tokens
 * @param sampling how tokens are chosen
 * @param stopAtEos end when the model emits eos_token_id (the eos token is not part of the output)
 * @param stopStrings end as soon as the decoded text contains one of these (the text is cut before it);
 *                    checked where the tokenizer is known (the api package)
 */
public record GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, List<String> stopStrings) {

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
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, SamplingConfig.GREEDY, true, List.of());
    }

    public GenerationConfig withSampling(SamplingConfig s) {
        return new GenerationConfig(maxNewTokens, s, stopAtEos, stopStrings);
    }

    public GenerationConfig withStopStrings(List<String> stops) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stops);
    }
}
