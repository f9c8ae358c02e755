package io.paligemma.generate;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.gemma.KvCache;
import io.paligemma.generate.logits.LogitsProcessorList;
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
 *
 * <p>With beam search ({@link BeamSearchConfig}, k beams) it owns k caches and takes k rows of every decode
 * step: the prompt is computed once, into the first cache, and copied into the others after the prefill (the
 * fork); after each step every beam's cache is given its parent's positions ({@link KvCache#reorder}: only those
 * after the prompt are copied). Nothing is streamed while the beams run: the listener hears the best
 * hypothesis's tokens when the search ends.
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
    private final NextToken chooser;      // one row: picks the next token (unused with beams)
    private final BeamSearch beamSearch;  // beams: the token side of the search; else null
    private final int[] eosIds;           // the ids that end generation (none without stopAtEos)
    private final TokenListener listener;
    private KvCache[] caches;             // [1], or [k] with beams (reordered after each step)
    private List<BeamHypothesis> hypotheses = List.of(); // the returned beams, best first
    private final int[] tokens;            // [maxNewTokens] generated ids
    private final List<TokenLogprob> logprobs = new ArrayList<>(); // one per generated id, when asked for
    private final long created = System.nanoTime();
    private Stage stage = Stage.VISION;
    private int produced;
    private int eosToken = -1;             // the end-of-sequence id that ended it (one row), else -1
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
        int vocab = config.textConfig().vocabSize();
        this.eosIds = generation.eosIds(config.eosTokenId());
        for (int id : eosIds) {
            if (id >= vocab) {
                throw new IllegalArgumentException("end-of-sequence id " + id + " is outside the vocabulary of " + vocab);
            }
        }
        boolean beams = goal == Goal.TOKENS && generation.beams().enabled();
        if (beams && generation.rows() > model.maxDecodeRows()) {
            throw new IllegalArgumentException(generation.rows() + " beams; one decode step computes at most "
                    + model.maxDecodeRows() + " rows exactly as alone, so that is the most beams a request can have");
        }
        this.beamSearch = beams ? new BeamSearch(generation.beams(), processorsFor(inputIds.length, generation, eosIds),
                inputIds, generation.maxNewTokens(), eosIds, vocab) : null;
        int context = contextFor(inputIds.length, generation, goal);
        this.caches = new KvCache[beams ? generation.rows() : 1];
        try {
            for (int b = 0; b < caches.length; b++) {
                caches[b] = model.newKvCache(context);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    /**
     * The processors of a request (HF's {@code _get_logits_processor}): its sampling settings, then
     * {@code min_new_tokens} over its EOS ids; {@code min_tokens_to_keep} is 1 (beam sampling, which would need 2,
     * is refused).
     */
    static LogitsProcessorList processorsFor(int promptLength, GenerationConfig generation, int[] eosIds) {
        return LogitsProcessors.of(generation.sampling(), promptLength, generation.minNewTokens(), eosIds, 1);
    }

    /** A request for tokens with the prompt as its whole prefix, sampled by its own seeded {@link Sampler}. */
    public static Sequence forTokens(PaliGemmaForConditionalGeneration model, float[] pixels, int[] inputIds,
                                     GenerationConfig generation, TokenListener listener) {
        return new Sequence(model, pixels, inputIds, inputIds.length, generation, Goal.TOKENS,
                samplerFor(inputIds, generation, model.config().eosTokenId()), listener);
    }

    /**
     * A sequence's own sampler: its seed, HF's {@code input_ids} so far (the prompt: what a repetition penalty
     * and an n-gram ban see), its processors (min new tokens over the request's EOS ids, or the model's), and
     * its distributions kept when the request wants log-probabilities.
     */
    public static Sampler samplerFor(int[] inputIds, GenerationConfig generation, int modelEosTokenId) {
        return new Sampler(generation.sampling(), processorsFor(inputIds.length, generation,
                generation.eosIds(modelEosTokenId)), inputIds, generation.logprobs());
    }

    /**
     * Positions a sequence's cache holds (each beam's cache, with beams): the prompt and every generated token but
     * the last (which is never fed back); the prompt alone when only hidden states are wanted; nothing for image
     * features.
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

    /** The cache the prompt is computed into (the first beam's, with beams: every beam holds the same prompt). */
    public KvCache cache() {
        return caches[0];
    }

    /** Bytes of all its caches (k with beams). */
    public long cacheBytes() {
        long b = 0;
        for (KvCache c : caches) {
            b += c == null ? 0 : c.byteSize();
        }
        return b;
    }

    /** The end-of-sequence id that ended the sequence (HF keeps it in the output), -1 if none did (or with beams). */
    public int eosToken() {
        return eosToken;
    }

    /** Rows this sequence takes in a decode step: its beams, or one. */
    public int rows() {
        return beamSearch == null ? 1 : beamSearch.numBeams();
    }

    /** The token side of its beam search (null without beams): for tests that follow the search step by step. */
    BeamSearch beamSearch() {
        return beamSearch;
    }

    /** The returned beams, best first, once the search ended (empty without beams). */
    public List<BeamHypothesis> hypotheses() {
        return hypotheses;
    }

    /** Generated ids so far (eos excluded); with beams, the best hypothesis's once the search ended. */
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

    /** The token the next decode step feeds for row {@code r}: the last one chosen (for beam r, with beams). */
    int lastTokenId(int r) {
        return beamSearch == null ? tokens[produced - 1] : beamSearch.lastToken(r);
    }

    /** The cache of decode row {@code r}. */
    KvCache rowCache(int r) {
        return caches[r];
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
        boolean prompt = stage == Stage.PREFILL;
        stage = Stage.DECODE;
        int vocab = config.textConfig().vocabSize();
        for (int r = 0; r < logits.rows(); r++) {
            if (!allFinite(logits.row(r))) {
                end(FinishReason.NON_FINITE);
                return;
            }
        }
        if (beamSearch != null) {
            acceptBeams(logits, prompt);
            return;
        }
        int next = chooser.next(logits.data(), vocab);
        if (isEos(next)) {
            eosToken = next;
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
     * One beam-search step: the logits of every beam (one row after the prompt, which all beams share), the next
     * beams chosen; after the prompt, the fork (its positions copied into the other beams' caches); then each
     * beam's cache reordered to its parent's. When the search ends the best hypothesis is the answer, and only
     * then does the listener hear its tokens.
     */
    private void acceptBeams(FloatMatrix logits, boolean prompt) {
        beamSearch.step(prompt ? logits.rows(0, 1) : logits);
        if (prompt) {
            for (int b = 1; b < caches.length; b++) {
                caches[b].truncate(0);
                caches[b].copyRows(caches[0], 0, caches[0].length());       // the prefix computed once, forked
            }
        }
        if (!beamSearch.finished()) {
            caches = KvCache.reorder(caches, beamSearch.parents(), inputIds.length); // _temporary_reorder_cache(beam_idx)
            return;
        }
        hypotheses = beamSearch.returned();
        BeamHypothesis best = hypotheses.get(0);
        for (int token : best.tokens()) {
            tokens[produced++] = token;
            boolean more;
            try {
                more = listener.onToken(token);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            if (!more) {
                end(FinishReason.STOP);
                return;
            }
        }
        end(best.endedWithEos() ? FinishReason.EOS : FinishReason.MAX_TOKENS);
    }

    private boolean isEos(int token) {
        for (int e : eosIds) {
            if (e == token) {
                return true;
            }
        }
        return false;
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
        cache().copyPrefix(prefix, inputIds.length);
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

    /** Frees the KV caches. */
    @Override
    public void close() {
        for (KvCache c : caches) {
            if (c != null) {
                c.close();
            }
        }
    }
}
