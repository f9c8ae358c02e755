package io.paligemma.generate;

import io.paligemma.generate.logits.LogitsProcessorList;
import io.paligemma.generate.logits.TokenDistribution;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits as Hugging Face's {@code _sample} does: {@code scores = processors(input_ids,
 * logits)}, then the argmax (greedy) or a draw from {@code softmax(scores)}. One sampler per sequence: it holds
 * the sequence so far ({@code input_ids}: the prompt, then every token it chose), the random stream, and the
 * distribution's arrays, all reused across steps.
 */
public final class Sampler implements NextToken {
    private final SamplingConfig config;
    private final LogitsProcessorList processors;
    private final boolean keepDistribution;
    private final SplittableRandom random;
    private int[] inputIds;            // [capacity] prompt + chosen tokens
    private int length;
    private TokenDistribution distribution;   // [V] scores and probabilities of the last step, allocated on first use

    /**
     * @param promptIds        the prompt in the processor's layout (image tokens, bos, text, "\n"): the start of HF's
     *                         {@code input_ids}, which the repetition penalty reads
     * @param keepDistribution every step computes the distribution (also greedy ones), for {@link #lastDistribution()}
     */
    public Sampler(SamplingConfig config, int[] promptIds, boolean keepDistribution) {
        this(config, LogitsProcessors.of(config, 1), promptIds, keepDistribution); // min_tokens_to_keep = 1: no beams
    }

    /**
     * A sampler running a given processor list (a request's: its sampling settings and {@code min_new_tokens}, built
     * by {@link LogitsProcessors}).
     */
    public Sampler(SamplingConfig config, LogitsProcessorList processors, int[] promptIds, boolean keepDistribution) {
        this.config = config;
        this.processors = processors;
        this.keepDistribution = keepDistribution;
        this.random = new SplittableRandom(config.seed());
        this.inputIds = Arrays.copyOf(promptIds, promptIds.length + 64);
        this.length = promptIds.length;
    }

    /** A sampler with no context (nothing for a repetition penalty to see) that keeps no distribution. */
    public Sampler(SamplingConfig config) {
        this(config, new int[0], false);
    }

    /** The steps between the logits and the distribution, in HF's order. */
    public LogitsProcessorList processors() {
        return processors;
    }

    /** The next token from logits[0, vocab); it joins the sequence the next steps see. */
    @Override
    public int next(MemorySegment logits, int vocab) {
        if (logits.byteSize() < (long) vocab * Float.BYTES) {
            throw new IllegalArgumentException("logits hold fewer than " + vocab + " values");
        }
        int token;
        if (config.isGreedy() && processors.isEmpty() && !keepDistribution) {
            token = argmax(logits, vocab);                                  // nothing to process: the raw argmax
        } else {
            TokenDistribution d = distribution(logits, vocab);
            token = config.isGreedy() ? d.argmax() : d.draw(random.nextDouble());
        }
        append(token);
        return token;
    }

    /**
     * The distribution of the next token given the sequence so far, without choosing one: the processed scores
     * and their softmax (greedy decoding takes the argmax of the same scores). The returned object is reused
     * by the next call.
     */
    public TokenDistribution distribution(MemorySegment logits, int vocab) {
        if (distribution == null || distribution.vocabSize() != vocab) {
            distribution = new TokenDistribution(vocab);
        }
        return distribution.compute(logits, processors, inputIds, length);
    }

    /** The distribution the last {@link #next} chose from; needs {@code keepDistribution}. */
    public TokenDistribution lastDistribution() {
        if (!keepDistribution || distribution == null) {
            throw new IllegalStateException("no distribution kept: construct the sampler with keepDistribution");
        }
        return distribution;
    }

    /** The chosen token's log-probability and the {@code top} most likely tokens of the last step. */
    public TokenLogprob lastLogprob(int top) {
        TokenDistribution d = lastDistribution();
        int token = inputIds[length - 1];
        List<TopLogprob> alternatives = new ArrayList<>();
        for (int id : d.top(top)) {
            alternatives.add(new TopLogprob(id, d.logprob(id)));
        }
        return new TokenLogprob(token, d.logprob(token), alternatives);
    }

    private void append(int token) {
        if (length == inputIds.length) {
            inputIds = Arrays.copyOf(inputIds, length * 2);
        }
        inputIds[length++] = token;
    }

    /** First index of the largest logit, as torch.argmax. */
    public static int argmax(MemorySegment logits, int vocab) {
        int best = 0;
        float bestValue = logits.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
        for (int i = 1; i < vocab; i++) {
            float v = logits.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (v > bestValue) {
                best = i;
                bestValue = v;
            }
        }
        return best;
    }
}
