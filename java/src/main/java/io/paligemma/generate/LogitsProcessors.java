package io.paligemma.generate;

import io.paligemma.generate.logits.LogitsProcessor;
import io.paligemma.generate.logits.LogitsProcessorList;
import io.paligemma.generate.logits.MinNewTokensLengthLogitsProcessor;
import io.paligemma.generate.logits.MinPLogitsWarper;
import io.paligemma.generate.logits.NoRepeatNGramLogitsProcessor;
import io.paligemma.generate.logits.RepetitionPenaltyLogitsProcessor;
import io.paligemma.generate.logits.TemperatureLogitsWarper;
import io.paligemma.generate.logits.TopKLogitsWarper;
import io.paligemma.generate.logits.TopPLogitsWarper;
import java.util.ArrayList;
import java.util.List;

/**
 * The processors a configuration means, in the order and under the conditions of transformers 4.47's
 * {@code GenerationMixin._get_logits_processor} (one list: 4.47 has no separate warper list). Only the
 * settings this engine has appear here.
 */
public final class LogitsProcessors {
    private LogitsProcessors() {
    }

    /**
     * @param minTokensToKeep HF passes 1 when {@code num_beams == 1}; beam sampling would pass 2 (or the number
     *                        of EOS ids + 1)
     */
    public static LogitsProcessorList of(SamplingConfig c, int minTokensToKeep) {
        return of(c, 0, 0, new int[0], minTokensToKeep);
    }

    /**
     * The list of a request: the sampling settings and {@code min_new_tokens}, which masks the EOS ids while fewer
     * than that many tokens follow the prompt.
     *
     * @param promptLength HF's {@code input_ids_seq_length}: the prompt, image tokens included
     * @param minNewTokens HF {@code min_new_tokens} (0 = off; also off without an EOS id, as in HF)
     * @param eosTokenIds  the ids that end generation (HF {@code eos_token_id}), possibly none
     */
    public static LogitsProcessorList of(SamplingConfig c, int promptLength, int minNewTokens, int[] eosTokenIds,
                                         int minTokensToKeep) {
        List<LogitsProcessor> p = new ArrayList<>();
        // processors, which run with greedy decoding and beams as well
        if (c.repetitionPenalty() != 1f) {                     // repetition_penalty is not None and != 1.0
            p.add(new RepetitionPenaltyLogitsProcessor(c.repetitionPenalty()));
        }
        if (c.noRepeatNgramSize() > 0) {                       // no_repeat_ngram_size is not None and > 0
            p.add(new NoRepeatNGramLogitsProcessor(c.noRepeatNgramSize()));
        }
        if (minNewTokens > 0 && eosTokenIds.length > 0) {      // min_new_tokens > 0 and _eos_token_tensor is not None
            p.add(new MinNewTokensLengthLogitsProcessor(promptLength, minNewTokens, eosTokenIds));
        }
        if (!c.isGreedy()) {                                   // if generation_config.do_sample:
            if (c.temperature() != 1f) {                       // temperature is not None and != 1.0
                p.add(new TemperatureLogitsWarper(c.temperature()));
            }
            if (c.topK() != 0) {                               // top_k is not None and != 0
                p.add(new TopKLogitsWarper(c.topK(), minTokensToKeep));
            }
            if (c.topP() < 1.0) {                              // top_p is not None and < 1.0
                p.add(new TopPLogitsWarper(c.topP(), minTokensToKeep));
            }
            if (c.minP() > 0f) {                               // min_p is not None (0 would remove nothing)
                p.add(new MinPLogitsWarper(c.minP(), minTokensToKeep));
            }
        }
        return new LogitsProcessorList(p);
    }
}
