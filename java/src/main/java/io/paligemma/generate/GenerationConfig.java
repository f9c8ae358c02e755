package io.paligemma.generate;

import java.util.List;

/**
 * How a request generates, with Hugging Face's {@code generate()} meaning for each setting.
 *
 * @param maxNewTokens upper bound of generated tokens
 * @param sampling how tokens are chosen
 * @param stopAtEos end when the model emits an end-of-sequence id (the eos token is not part of the output)
 * @param stopStrings end as soon as the decoded text contains one of these (the text is cut before it);
 *                    checked where the tokenizer is known (the api package)
 * @param logprobs report each generated token's log-probability (OpenAI's {@code logprobs})
 * @param topLogprobs with logprobs, also the this many most likely tokens at each step, 0 to
 *                    {@link #MAX_TOP_LOGPROBS} (OpenAI's {@code top_logprobs})
 * @param minNewTokens HF {@code min_new_tokens}: the end-of-sequence ids are masked (-inf) until this many tokens
 *                     are generated (0 = off; needs stopAtEos, as HF needs an eos id)
 * @param eosTokenIds HF {@code eos_token_id} passed to generate: the ids that end generation; empty = the model's
 *                    {@code eos_token_id}
 * @param beams beam search ({@link BeamSearchConfig#NONE}: none)
 */
public record GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, List<String> stopStrings,
                               boolean logprobs, int topLogprobs, int minNewTokens, List<Integer> eosTokenIds,
                               BeamSearchConfig beams) {

    /** OpenAI's bound on {@code top_logprobs}, kept so that the HTTP server can pass requests through unchanged. */
    public static final int MAX_TOP_LOGPROBS = 20;

    /** Without log-probabilities. */
    public GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, List<String> stopStrings) {
        this(maxNewTokens, sampling, stopAtEos, stopStrings, false, 0);
    }

    /** Without min new tokens, with the model's eos id, without beams. */
    public GenerationConfig(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, List<String> stopStrings,
                            boolean logprobs, int topLogprobs) {
        this(maxNewTokens, sampling, stopAtEos, stopStrings, logprobs, topLogprobs, 0, List.of(), BeamSearchConfig.NONE);
    }

    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        if (sampling == null || beams == null) {
            throw new IllegalArgumentException("sampling and beams must be given (SamplingConfig.GREEDY, BeamSearchConfig.NONE)");
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
        if (minNewTokens < 0) {
            throw new IllegalArgumentException("min new tokens must be >= 0 (0: off), got " + minNewTokens);
        }
        eosTokenIds = List.copyOf(eosTokenIds);
        for (int id : eosTokenIds) {
            if (id < 0) {
                throw new IllegalArgumentException("an end-of-sequence id must be >= 0, got " + id);
            }
        }
        if (beams.enabled()) {
            if (!sampling.isGreedy()) {
                throw new IllegalArgumentException("beam search with sampling (Hugging Face's beam sample: num_beams > 1 "
                        + "with do_sample) is not implemented: use temperature 0 with beams");
            }
            if (!stopStrings.isEmpty()) {
                throw new IllegalArgumentException("stop strings do not apply to beam search (the beams' text is known "
                        + "only at the end): drop the stop strings or the beams");
            }
            if (logprobs) {
                throw new IllegalArgumentException("log-probabilities are not reported for beam search: each returned "
                        + "sequence has its score instead");
            }
        }
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, SamplingConfig.GREEDY, true, List.of());
    }

    public GenerationConfig withSampling(SamplingConfig s) {
        return new GenerationConfig(maxNewTokens, s, stopAtEos, stopStrings, logprobs, topLogprobs, minNewTokens,
                eosTokenIds, beams);
    }

    public GenerationConfig withStopStrings(List<String> stops) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stops, logprobs, topLogprobs, minNewTokens,
                eosTokenIds, beams);
    }

    /** Log-probabilities of the generated tokens, and the {@code top} most likely tokens at each step (0 for none). */
    public GenerationConfig withLogprobs(int top) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stopStrings, true, top, minNewTokens,
                eosTokenIds, beams);
    }

    /** HF {@code min_new_tokens}. */
    public GenerationConfig withMinNewTokens(int n) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stopStrings, logprobs, topLogprobs, n,
                eosTokenIds, beams);
    }

    /** HF {@code eos_token_id} given to generate: these ids end generation instead of the model's. */
    public GenerationConfig withEosTokenIds(List<Integer> ids) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stopStrings, logprobs, topLogprobs, minNewTokens,
                ids, beams);
    }

    /** Beam search ({@link BeamSearchConfig#NONE} for none). */
    public GenerationConfig withBeams(BeamSearchConfig b) {
        return new GenerationConfig(maxNewTokens, sampling, stopAtEos, stopStrings, logprobs, topLogprobs, minNewTokens,
                eosTokenIds, b);
    }

    /** The ids that end generation: none without stopAtEos, else the given ones or the model's. */
    public int[] eosIds(int modelEosTokenId) {
        if (!stopAtEos) {
            return new int[0];
        }
        return eosTokenIds.isEmpty() ? new int[] {modelEosTokenId} : eosTokenIds.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Decode rows the request takes in every step: its beams, or one. */
    public int rows() {
        return beams.numBeams();
    }
}
