package io.paligemma.generate;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.KvSegment;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The prefill/decode loop: the whole prompt in one forward (bidirectional prefix), then one token per
 * step against the KV cache, each chosen by the sampler. Stateless: a request brings its workspace.
 */
public final class Generator {
    private final PaliGemmaForConditionalGeneration model;

    public Generator(PaliGemmaForConditionalGeneration model) {
        this.model = model;
    }

    /**
     * @param promptIds the processor's layout: image tokens, bos, prompt, "\n"
     * @param imageFeatures [images·N, H] rows that replace the image tokens in order
     */
    public GenerationResult generate(int[] promptIds, MemorySegment imageFeatures, GenerationConfig config,
                                     DecoderWorkspace ws, TokenListener listener) {
        // a batch of one, whose decode steps use the sequence's own workspace for activations
        return generateBatch(List.of(promptIds), imageFeatures, new int[] {0}, config, new DecoderWorkspace[] {ws}, ws,
                new TokenListener[] {listener})[0];
    }

    /**
     * Several requests in lockstep: each prompt is prefilled on its own, then every decode step runs the
     * next token of all unfinished sequences as one forward (one read of the weights for all of them).
     * Each sequence gets its own sampler, so the tokens are those of running the requests one by one.
     *
     * @param featureRows for sequence i, the first row of {@code imageFeatures} its image tokens take
     * @param act activations for a step of up to prompts.size() rows ({@code DecoderWorkspace.forBatch})
     */
    public GenerationResult[] generateBatch(List<int[]> prompts, MemorySegment imageFeatures, int[] featureRows,
                                            GenerationConfig config, DecoderWorkspace[] seqs, DecoderWorkspace act,
                                            TokenListener[] listeners) {
        int b = prompts.size();
        if (seqs.length != b || featureRows.length != b || listeners.length != b || act.maxRows() < b) {
            throw new IllegalArgumentException("a batch of " + b + " needs as many workspaces, feature rows and listeners, "
                    + "and step activations for " + b + " rows");
        }
        int vocab = model.config().textConfig().vocabSize();
        int eos = model.config().eosTokenId();
        int[][] out = new int[b][config.maxNewTokens()];
        int[] produced = new int[b];
        FinishReason[] reasons = new FinishReason[b];
        Sampler[] samplers = new Sampler[b];
        List<List<TokenLogprob>> logprobs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < b; i++) {
            int[] ids = prompts.get(i);
            checkContext(ids.length, config.maxNewTokens(), seqs[i]);
            if ((long) ids.length + config.maxNewTokens() - 1 > act.capacity()) {
                throw new IllegalArgumentException("the batch step holds scores for " + act.capacity() + " tokens, sequence "
                        + i + " needs " + (ids.length + config.maxNewTokens() - 1));
            }
            samplers[i] = new Sampler(config.sampling(), ids, config.logprobs());   // ids: HF's input_ids so far
            logprobs.add(new ArrayList<>());
            model.embed(ids, 0, ids.length, imageFeatures, featureRows[i], seqs[i]);
            model.languageModel().forward(seqs[i], 0, ids.length, ids.length, 1, Probe.NONE);   // prefill, one sequence
            choose(i, seqs[i].logits(), 0, vocab, eos, config, samplers, out, produced, reasons, listeners, logprobs);
        }
        long t1 = System.nanoTime();
        int[] active = new int[b];
        int[] tokens = new int[b];
        KvSegment[] segments = new KvSegment[b];
        while (true) {
            int n = 0;
            for (int i = 0; i < b; i++) {
                if (reasons[i] == null) {
                    active[n] = i;
                    tokens[n] = out[i][produced[i] - 1];
                    int slot = prompts.get(i).length + produced[i] - 1;
                    segments[n] = new KvSegment(seqs[i], slot, 1, prompts.get(i).length);
                    n++;
                }
            }
            if (n == 0) {
                break;
            }
            model.embed(tokens, 0, n, null, 0, act);                                          // the last token of each
            model.languageModel().forward(act, Arrays.copyOf(segments, n), n, Probe.NONE); // one step for all
            for (int r = 0; r < n; r++) {
                choose(active[r], act.logits(), r, vocab, eos, config, samplers, out, produced, reasons, listeners,
                        logprobs);
            }
        }
        long t2 = System.nanoTime();
        GenerationResult[] results = new GenerationResult[b];
        for (int i = 0; i < b; i++) {
            results[i] = new GenerationResult(Arrays.copyOf(out[i], produced[i]), reasons[i], t1 - t0, t2 - t1,
                    logprobs.get(i));
        }
        return results;
    }

    /**
     * Samples sequence i's next token from row {@code row} of logits (with its log-probability when asked for)
     * and records why it ends, if it does.
     */
    private static void choose(int i, MemorySegment logits, int row, int vocab, int eos, GenerationConfig config,
                               Sampler[] samplers, int[][] out, int[] produced, FinishReason[] reasons,
                               TokenListener[] listeners, List<List<TokenLogprob>> logprobs) {
        MemorySegment rowLogits = logits.asSlice((long) row * vocab * Float.BYTES);
        if (!allFinite(rowLogits, vocab)) {
            reasons[i] = FinishReason.NON_FINITE;
            return;
        }
        int next = samplers[i].next(rowLogits, vocab);
        if (config.stopAtEos() && next == eos) {
            reasons[i] = FinishReason.EOS;
            return;
        }
        out[i][produced[i]++] = next;
        if (config.logprobs()) {
            logprobs.get(i).add(samplers[i].lastLogprob(config.topLogprobs()));
        }
        if (!listeners[i].onToken(next)) {
            reasons[i] = FinishReason.STOP;
        } else if (produced[i] == config.maxNewTokens()) {
            reasons[i] = FinishReason.MAX_TOKENS;
        }
    }

    /** Whether the first n floats of logits are all finite (a sum is NaN iff some term is NaN or infinite). */
    static boolean allFinite(MemorySegment logits, int n) {
        float acc = 0;
        for (int j = 0; j < n; j++) {
            acc += logits.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, j) * 0f;
        }
        return acc == 0f;
    }

    /** The prompt and the new tokens must fit the workspace before anything runs. */
    public static void checkContext(int promptLength, int maxNewTokens, DecoderWorkspace ws) {
        if (promptLength < 1) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (promptLength > ws.maxRows()) {
            throw new IllegalArgumentException("the prompt has " + promptLength + " tokens; this context takes at most "
                    + ws.maxRows() + " prompt tokens");
        }
        if ((long) promptLength + maxNewTokens - 1 > ws.capacity()) {
            throw new IllegalArgumentException("prompt (" + promptLength + " tokens) + " + maxNewTokens
                    + " new tokens exceed the context of " + ws.capacity() + " tokens");
        }
    }
}
