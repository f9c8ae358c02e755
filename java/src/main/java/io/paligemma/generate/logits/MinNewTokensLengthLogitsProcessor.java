package io.paligemma.generate.logits;

import java.util.Arrays;
import java.util.Locale;

/**
 * HF {@code MinNewTokensLengthLogitsProcessor}: while fewer than {@code min_new_tokens} tokens follow the prompt,
 * every end-of-sequence id gets -inf, so generation cannot end before. With {@code t} new tokens so far (the
 * context minus the prompt), the EOS ids are masked exactly for {@code t < min_new_tokens}.
 */
public final class MinNewTokensLengthLogitsProcessor implements LogitsProcessor {
    private final int promptLengthToSkip;
    private final int minNewTokens;
    private final int[] eosTokenIds;

    /**
     * @param promptLengthToSkip HF {@code prompt_length_to_skip}: the prompt's length, image tokens included
     * @param minNewTokens       HF {@code min_new_tokens}, >= 0
     * @param eosTokenIds        HF {@code eos_token_id} (one or more ids)
     */
    public MinNewTokensLengthLogitsProcessor(int promptLengthToSkip, int minNewTokens, int[] eosTokenIds) {
        if (promptLengthToSkip < 0 || minNewTokens < 0) {
            throw new IllegalArgumentException("prompt length to skip (" + promptLengthToSkip + ") and min new tokens ("
                    + minNewTokens + ") must be >= 0");
        }
        if (eosTokenIds.length == 0) {
            throw new IllegalArgumentException("min new tokens needs an end-of-sequence id to mask");
        }
        this.promptLengthToSkip = promptLengthToSkip;
        this.minNewTokens = minNewTokens;
        this.eosTokenIds = eosTokenIds.clone();
    }

    public int minNewTokens() {
        return minNewTokens;
    }

    public int promptLengthToSkip() {
        return promptLengthToSkip;
    }

    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        int newTokens = length - promptLengthToSkip;                        // input_ids.shape[-1] - prompt_length_to_skip
        if (newTokens < minNewTokens) {
            for (int eos : eosTokenIds) {
                if (eos < 0 || eos >= scores.length) {
                    throw new IllegalArgumentException("end-of-sequence id " + eos + " is outside the vocabulary of "
                            + scores.length);
                }
                scores[eos] = Float.NEGATIVE_INFINITY;                      // torch.where(eos_token_mask, -math.inf, scores)
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(%d, eos %s)", name(), minNewTokens, Arrays.toString(eosTokenIds));
    }
}
