package io.paligemma.generate;

/**
 * How the next token is chosen from the logits, with Hugging Face transformers' meaning and order (4.47,
 * {@code GenerationMixin._get_logits_processor}): the repetition penalty and the n-gram ban (also with greedy
 * decoding and beams; {@code min_new_tokens}, which needs the prompt length and the EOS ids, is a
 * {@link GenerationConfig} setting that goes after them), then,
 * when sampling, temperature, top-k, top-p and min-p, then a draw from the softmax. {@link LogitsProcessors}
 * builds the steps; {@link Sampler} runs them.
 *
 * <p>Every filter is explicit: top-k 0 means no top-k. Hugging Face's {@code generate(do_sample=True)} applies
 * top-k 50 unless told otherwise (its {@code GenerationConfig} default); that is
 * {@link #huggingFaceDefaults(long)}, or temperature 1 with top-k 50 on the command line.
 *
 * @param temperature       logits are divided by this (float32); 0 means greedy ({@code do_sample=False})
 * @param topK              keep the tokens scoring at least the k-th largest score (0 = off)
 * @param topP              keep the most likely tokens until their mass reaches p, the crossing token included (1 = off);
 *                          a double like the Python float HF takes, since 1 - top_p is taken in double there
 * @param minP              drop tokens less likely than minP × the top probability (0 = off)
 * @param repetitionPenalty divide positive / multiply negative logits of every token already in the sequence,
 *                          prompt included (1 = off); applies to greedy decoding too
 * @param seed              the random stream; the same seed gives the same tokens
 * @param noRepeatNgramSize no n-gram of this size occurs twice in the sequence (prompt included): tokens that would
 *                          repeat one get -inf (0 = off); applies to greedy decoding and beams too
 */
public record SamplingConfig(float temperature, int topK, double topP, float minP, float repetitionPenalty, long seed,
                             int noRepeatNgramSize) {

    public static final SamplingConfig GREEDY = new SamplingConfig(0f, 0, 1.0, 0f, 1f, 0L);

    /** Without an n-gram ban. */
    public SamplingConfig(float temperature, int topK, double topP, float minP, float repetitionPenalty, long seed) {
        this(temperature, topK, topP, minP, repetitionPenalty, seed, 0);
    }

    /** Without a repetition penalty. */
    public SamplingConfig(float temperature, int topK, double topP, float minP, long seed) {
        this(temperature, topK, topP, minP, 1f, seed);
    }

    public SamplingConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0 (0: greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0: off), got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in [0, 1] (1: off), got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1] (0: off), got " + minP);
        }
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be a finite number > 0 (1: off), got "
                    + repetitionPenalty);
        }
        if (noRepeatNgramSize < 0) {
            throw new IllegalArgumentException("no-repeat n-gram size must be >= 0 (0: off), got " + noRepeatNgramSize);
        }
    }

    /**
     * What Hugging Face's {@code generate(do_sample=True)} does with no other setting: temperature 1, top-k 50,
     * top-p 1, no min-p, no repetition penalty.
     */
    public static SamplingConfig huggingFaceDefaults(long seed) {
        return new SamplingConfig(1f, 50, 1.0, 0f, 1f, seed);
    }

    /** Greedy decoding (HF {@code do_sample=False}): the highest processed score, no draw. */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplingConfig withRepetitionPenalty(float penalty) {
        return new SamplingConfig(temperature, topK, topP, minP, penalty, seed, noRepeatNgramSize);
    }

    /** HF {@code no_repeat_ngram_size} (0 = off). */
    public SamplingConfig withNoRepeatNgramSize(int n) {
        return new SamplingConfig(temperature, topK, topP, minP, repetitionPenalty, seed, n);
    }

    public SamplingConfig withSeed(long s) {
        return new SamplingConfig(temperature, topK, topP, minP, repetitionPenalty, s, noRepeatNgramSize);
    }
}
