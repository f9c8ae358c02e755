package io.paligemma.generate;

/**
 * @param maxNewTokens upper bound of generated tokens
 * @param sampling how tokens are chosen
 * @param stopAtEos end when the model emits eos_token_id (the eos token is not part of the output)
 */
public record GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos) {

    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, SamplingConfig.GREEDY, true);
    }
}
