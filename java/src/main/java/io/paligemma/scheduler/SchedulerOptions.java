package io.paligemma.scheduler;

/**
 * The limits and budgets of a {@link Scheduler}.
 *
 * @param maxRunning         sequences admitted at once (prefilling or decoding); each has its own KV cache.
 *                           A decode step runs them all together, in forwards of at most
 *                           {@code Ops.maxDecodeRows()} (31) rows
 * @param maxQueued          requests that may wait for admission; one more is refused with
 *                           {@link QueueFullException}
 * @param kvCacheBytes       the KV caches of the running sequences together stay within this many bytes
 *                           (a request is admitted when its cache fits); 0 = room for {@code maxRunning}
 *                           sequences of the model's full context
 * @param prefillChunkTokens the prompt work one step may do while sequences decode, in tokens through the
 *                           whole language model (a prefill runs whole layers, so a step does at least
 *                           one layer): what bounds the delay a new prompt adds to the running decodes
 * @param featureCacheBytes  image features kept for reuse (LRU), 0 = off
 * @param prefixCacheBytes   prompt KV caches kept for exact reuse of an identical (picture, prompt) prefix
 *                           (LRU), 0 = off
 * @param promptDeadline     a prompt's first token is due within this many times the prompt's own compute time
 *                           plus one prefill chunk, from its submission; a decode step waits when it would make
 *                           a prompt that can still be in time late (see {@link PromptDeadlines}); 0 = off (the
 *                           prefill chunk alone shares each step between prompts and decodes)
 */
public record SchedulerOptions(int maxRunning, int maxQueued, long kvCacheBytes, int prefillChunkTokens,
                               long featureCacheBytes, long prefixCacheBytes, double promptDeadline) {

    public SchedulerOptions {
        if (maxRunning < 1) {
            throw new IllegalArgumentException("max running sequences must be >= 1, got " + maxRunning);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("max queued requests must be >= 0, got " + maxQueued);
        }
        if (kvCacheBytes < 0 || featureCacheBytes < 0 || prefixCacheBytes < 0) {
            throw new IllegalArgumentException("cache budgets must be >= 0 bytes (KV " + kvCacheBytes + ", features "
                    + featureCacheBytes + ", prefixes " + prefixCacheBytes + ")");
        }
        if (prefillChunkTokens < 1) {
            throw new IllegalArgumentException("the prefill chunk must be >= 1 token, got " + prefillChunkTokens);
        }
        if (!(promptDeadline == 0 || promptDeadline >= 1 && promptDeadline <= 1000)) {
            throw new IllegalArgumentException("the prompt deadline must be 0 (off) or 1 to 1000 times the prompt's own "
                    + "time, got " + promptDeadline);
        }
    }

    /**
     * 16 running, 256 queued, KV for all 16 at full context, 32-token prefill chunks (on PaliGemma-3B-224 and
     * 2 cores: about two decoder layers of a 268-token prompt, ~0.6 s, per step), 64 MiB of features,
     * 256 MiB of prefixes, first tokens due within 1.5 × the prompt's own time plus one chunk (the one factor
     * that met the target of 2 × a lone request's time to first token + one chunk in the paced runs
     * of BENCHMARKS.md, issue #12, session 4; 1.8 and 2 land near their deadline, and this VM's drift decides).
     */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(16, 256, 0, 32, 64L << 20, 256L << 20, 1.5);
    }

    public SchedulerOptions withMaxRunning(int n) {
        return new SchedulerOptions(n, maxQueued, kvCacheBytes, prefillChunkTokens, featureCacheBytes, prefixCacheBytes,
                promptDeadline);
    }

    public SchedulerOptions withMaxQueued(int n) {
        return new SchedulerOptions(maxRunning, n, kvCacheBytes, prefillChunkTokens, featureCacheBytes, prefixCacheBytes,
                promptDeadline);
    }

    public SchedulerOptions withKvCacheBytes(long bytes) {
        return new SchedulerOptions(maxRunning, maxQueued, bytes, prefillChunkTokens, featureCacheBytes, prefixCacheBytes,
                promptDeadline);
    }

    public SchedulerOptions withPrefillChunkTokens(int tokens) {
        return new SchedulerOptions(maxRunning, maxQueued, kvCacheBytes, tokens, featureCacheBytes, prefixCacheBytes,
                promptDeadline);
    }

    public SchedulerOptions withFeatureCacheBytes(long bytes) {
        return new SchedulerOptions(maxRunning, maxQueued, kvCacheBytes, prefillChunkTokens, bytes, prefixCacheBytes,
                promptDeadline);
    }

    public SchedulerOptions withPrefixCacheBytes(long bytes) {
        return new SchedulerOptions(maxRunning, maxQueued, kvCacheBytes, prefillChunkTokens, featureCacheBytes, bytes,
                promptDeadline);
    }

    public SchedulerOptions withPromptDeadline(double factor) {
        return new SchedulerOptions(maxRunning, maxQueued, kvCacheBytes, prefillChunkTokens, featureCacheBytes, prefixCacheBytes,
                factor);
    }
}
