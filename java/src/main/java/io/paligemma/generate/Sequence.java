package io.paligemma.generate;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.gemma.KvCache;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.tensor.FloatMatrix;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request's state, from its picture and prompt to its last token: stage, KV cache, tokens so far,
 * why it ended, and when each stage ended. It moves through {@link Stage}s: the vision tower and the prefill
 * run in pieces ({@link Prefill}), then one token per decode step ({@link DecodeStep}), alone or beside
 * other sequences. Owns its KV cache, which {@link #close()} frees; used by one thread at a time.
 */
public final class Sequence implements AutoCloseable {

    /** What runs next for a sequence. */
    public enum Stage { VISION, PREFILL, DECODE, FINISHED }

    /** What a request wants back: generated tokens, or the picture's image features, or the prompt's last hidden states. */
    public enum Goal { TOKENS, IMAGE_FEATURES, HIDDEN_STATES }

    private final PaliGemmaConfig config;
    private final float[] pixels;          // [3, S, S] pixel_values
    private final int[] inputIds;          // the processor's layout
    private final int prefixLength;        // tokens [0, prefixLength) attend bidirectionally
    private final GenerationConfig generation;
    private final Goal goal;
    private final NextToken chooser;
    private final TokenListener listener;
    private final KvCache cache;
    private final int[] tokens;            // [maxNewTokens] generated ids
    private final List<TokenLogprob> logprobs = new ArrayList<>(); // one per generated id, when asked for
    private final long created = System.nanoTime();
    private Stage stage = Stage.VISION;
    private int produced;
    private FinishReason finishReason;
    private RuntimeException failure;
    private float[] output;                // image features [N·H] or hidden states [L·H] for the other goals
    private long promptStarted;            // nanoTime of the first piece
    private long featuresReady;            // the image features exist
    private long firstToken;               // the prefill chose the first token (or ended the sequence)
    private long lastToken;

    /**
     * @param pixels        pixel_values [3, S, S] of the picture
     * @param inputIds      the processor's layout: image tokens, bos, prompt, "\n"
     * @param prefixLength  the bidirectional prefix: inputIds.length for inference, less for the training layout
     * @param chooser       picks each next token from the logits (a {@link Sampler} seeded for this request)
     * @param listener      receives each token as it is chosen; false stops the sequence
     */
    public Sequence(PaliGemmaForConditionalGeneration model, float[] pixels, int[] inputIds, int prefixLength,
                    GenerationConfig generation, Goal goal, NextToken chooser, TokenListener listener) {
        this.config = model.config();
        int s = config.visionConfig().imageSize();
        if (pixels.length != (long) config.visionConfig().numChannels() * s * s) {
            throw new IllegalArgumentException(pixels.length + " pixel values; the vision tower takes "
                    + config.visionConfig().numChannels() + "×" + s + "×" + s);
        }
        if (inputIds.length < 1) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prefixLength < 1 || prefixLength > inputIds.length) {
            throw new IllegalArgumentException("a prefix of " + prefixLength + " tokens in a prompt of " + inputIds.length);
        }
        this.pixels = pixels;
        this.inputIds = inputIds.clone();
        this.prefixLength = prefixLength;
        this.generation = generation;
        this.goal = goal;
        this.chooser = chooser;
        this.listener = listener;
        this.tokens = new int[goal == Goal.TOKENS ? generation.maxNewTokens() : 0];
        this.cache = model.newKvCache(contextFor(inputIds.length, generation, goal));
    }

    /** A request for tokens with the prompt as its whole prefix, sampled by its own seeded {@link Sampler}. */
    public static Sequence forTokens(PaliGemmaForConditionalGeneration model, float[] pixels, int[] inputIds,
                                     GenerationConfig generation, TokenListener listener) {
        return new Sequence(model, pixels, inputIds, inputIds.length, generation, Goal.TOKENS, samplerFor(inputIds, generation),
                listener);
    }

    /**
     * A sequence's own sampler: its seed, HF's {@code input_ids} so far (the prompt: what a repetition penalty
     * sees), and its distributions kept when the request wants log-probabilities.
     */
    public static Sampler samplerFor(int[] inputIds, GenerationConfig generation) {
        return new Sampler(generation.sampling(), inputIds, generation.logprobs());
    }

    /**
     * Positions a sequence's cache holds: the prompt and every generated token but the last (which is never
     * fed back); the prompt alone when only hidden states are wanted; nothing for image features.
     */
    public static int contextFor(int promptLength, GenerationConfig generation, Goal goal) {
        return switch (goal) {
            case TOKENS -> Math.addExact(promptLength, generation.maxNewTokens() - 1);
            case HIDDEN_STATES -> promptLength;
            case IMAGE_FEATURES -> 0;
        };
    }

    public Stage stage() {
        return stage;
    }

    public Goal goal() {
        return goal;
    }

    public boolean finished() {
        return stage == Stage.FINISHED;
    }

    public float[] pixels() {
        return pixels;
    }

    /** The prompt's ids (a copy). */
    public int[] inputIds() {
        return inputIds.clone();
    }

    public int promptLength() {
        return inputIds.length;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public GenerationConfig generation() {
        return generation;
    }

    public KvCache cache() {
        return cache;
    }

    /** Generated ids so far (eos excluded). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, produced);
    }

    public int produced() {
        return produced;
    }

    /** Each generated token's log-probability (and the most likely alternatives), when the request asked for them. */
    public List<TokenLogprob> logprobs() {
        return List.copyOf(logprobs);
    }

    /** Why the sequence ended (null while it runs, or when it failed). */
    public FinishReason finishReason() {
        return finishReason;
    }

    /** The exception that ended the sequence, or null. */
    public RuntimeException failure() {
        return failure;
    }

    /** Image features [N·H] ({@link Goal#IMAGE_FEATURES}) or final-norm hidden states [L·H] ({@link Goal#HIDDEN_STATES}). */
    public float[] output() {
        return output;
    }

    /** nanoTime at creation (a request's arrival). */
    public long createdNanos() {
        return created;
    }

    /** nanoTime when its first piece of work ran (0 before). */
    public long promptStartedNanos() {
        return promptStarted;
    }

    /** nanoTime when its image features were ready. */
    public long featuresReadyNanos() {
        return featuresReady;
    }

    /** nanoTime when the prefill ended: the first token was chosen. */
    public long firstTokenNanos() {
        return firstToken;
    }

    /** nanoTime of the last token. */
    public long lastTokenNanos() {
        return lastToken;
    }

    /** The token the next decode step feeds: the last one chosen. */
    int lastTokenId() {
        return tokens[produced - 1];
    }

    // ---- transitions, made by Prefill, DecodeStep and whoever drives them

    void promptStarted() {
        if (promptStarted == 0) {
            promptStarted = System.nanoTime();
        }
    }

    /** The image features exist; for {@link Goal#IMAGE_FEATURES} they are the answer. */
    void featuresReady(FloatMatrix features) {
        featuresReady = System.nanoTime();
        if (goal == Goal.IMAGE_FEATURES) {
            output = features.toArray();
            end(null);
        } else {
            stage = Stage.PREFILL;
        }
    }

    /** The prompt's final-norm hidden states [L, H]: the answer of {@link Goal#HIDDEN_STATES}. */
    void hiddenStates(FloatMatrix states) {
        firstToken = System.nanoTime();
        output = states.toArray();
        end(null);
    }

    /**
     * The logits [1, V] after the sequence's last token (the prompt's last row, then each decode step's): a
     * non-finite value ends the sequence; otherwise the chooser picks the next token, which eos or the
     * listener may end it with. An exception of the listener ends the sequence with that exception.
     */
    public void accept(FloatMatrix logits) {
        if (stage != Stage.PREFILL && stage != Stage.DECODE) {
            throw new IllegalStateException("logits for a sequence in stage " + stage);
        }
        long now = System.nanoTime();
        if (firstToken == 0) {
            firstToken = now;
        }
        lastToken = now;
        stage = Stage.DECODE;
        int vocab = config.textConfig().vocabSize();
        if (!allFinite(logits)) {
            end(FinishReason.NON_FINITE);
            return;
        }
        int next = chooser.next(logits.data(), vocab);
        if (generation.stopAtEos() && next == config.eosTokenId()) {
            end(FinishReason.EOS);
            return;
        }
        tokens[produced++] = next;
        if (generation.logprobs()) {
            logprobs.add(chooser.lastLogprob(generation.topLogprobs()));
        }
        boolean more;
        try {
            more = listener.onToken(next);
        } catch (RuntimeException e) {
            fail(e);                        // the request's own callback failed: this sequence ends, no other
            return;
        }
        if (!more) {
            end(FinishReason.STOP);
        } else if (produced == tokens.length) {
            end(FinishReason.MAX_TOKENS);
        }
    }

    /**
     * Starts from a prefix computed before for the same picture and the same prompt: its keys and values and
     * the logits after its last token (exact prefix reuse). The vision tower and the prefill are skipped; the
     * first token is chosen from those logits by this sequence's own chooser.
     */
    public void reusePrefix(KvCache prefix, FloatMatrix lastLogits) {
        if (stage != Stage.VISION || goal != Goal.TOKENS || prefixLength != inputIds.length) {
            throw new IllegalStateException("a prefix can start a new token request only (stage " + stage + ", " + goal + ")");
        }
        promptStarted();
        cache.copyPrefix(prefix, inputIds.length);
        featuresReady = System.nanoTime();
        stage = Stage.PREFILL;
        accept(lastLogits);
    }

    /** Ends the sequence with an error (its listener threw, the engine closed, a step failed). */
    public void fail(RuntimeException e) {
        if (stage != Stage.FINISHED) {
            failure = e;
            stage = Stage.FINISHED;
        }
    }

    private void end(FinishReason reason) {
        finishReason = reason;
        stage = Stage.FINISHED;
    }

    /** Whether every logit is finite (a sum is NaN iff some term is NaN or infinite). */
    private static boolean allFinite(FloatMatrix logits) {
        float acc = 0;
        var data = logits.data();
        for (int j = 0; j < logits.columns(); j++) {
            acc += data.getAtIndex(ValueLayout.JAVA_FLOAT, j) * 0f;
        }
        return acc == 0f;
    }

    /** Frees the KV cache. */
    @Override
    public void close() {
        cache.close();
    }
}
