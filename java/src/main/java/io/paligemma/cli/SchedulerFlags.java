package io.paligemma.cli;

import io.paligemma.scheduler.SchedulerOptions;
import picocli.CommandLine.Option;

/**
 * The model's scheduler: how many requests run and wait, the KV-cache budget, prefill chunks, caches. Each
 * flag's default is its field's initial value, taken from {@link SchedulerOptions#defaults()} (picocli shows it
 * as the default), so the library and the CLI cannot drift apart.
 */
final class SchedulerFlags {
    private static final SchedulerOptions DEFAULTS = SchedulerOptions.defaults();

    @Option(names = "--max-running", paramLabel = "N",
            description = "sequences decoded together, each with its own KV cache (default ${DEFAULT-VALUE})")
    int maxRunning = DEFAULTS.maxRunning();

    @Option(names = "--max-queued", paramLabel = "N",
            description = "requests that may wait for a free sequence; more are refused (default ${DEFAULT-VALUE})")
    int maxQueued = DEFAULTS.maxQueued();

    @Option(names = "--kv-cache-mb", paramLabel = "MiB",
            description = "KV-cache budget of the running sequences together (default ${DEFAULT-VALUE}: --max-running full contexts)")
    long kvCacheMib = DEFAULTS.kvCacheBytes() >> 20;

    @Option(names = "--prefill-chunk", paramLabel = "TOKENS",
            description = "prompt work per step while others decode, in tokens through the whole language model; "
                    + "a prompt runs a whole layer at a time (default ${DEFAULT-VALUE})")
    int prefillChunk = DEFAULTS.prefillChunkTokens();

    @Option(names = "--prompt-deadline", paramLabel = "FACTOR",
            description = "a prompt's first token is due within FACTOR times the prompt's own compute time plus one "
                    + "chunk; decode steps wait when one would make a prompt that can still be in time late; "
                    + "0 = off, the smoothest streams (default ${DEFAULT-VALUE})")
    double promptDeadline = DEFAULTS.promptDeadline();

    @Option(names = "--feature-cache-mb", paramLabel = "MiB",
            description = "image features kept for another question about the same picture; 0 = off (default ${DEFAULT-VALUE})")
    long featureCacheMib = DEFAULTS.featureCacheBytes() >> 20;

    @Option(names = "--prefix-cache-mb", paramLabel = "MiB",
            description = "finished prefills kept for the same picture and prompt; 0 = off (default ${DEFAULT-VALUE})")
    long prefixCacheMib = DEFAULTS.prefixCacheBytes() >> 20;

    SchedulerOptions options() {
        Ranges.atLeast("--max-running", maxRunning, 1);
        Ranges.atLeast("--max-queued", maxQueued, 0);
        Ranges.atLeast("--kv-cache-mb", kvCacheMib, 0);
        Ranges.atLeast("--prefill-chunk", prefillChunk, 1);
        Ranges.atLeast("--feature-cache-mb", featureCacheMib, 0);
        Ranges.atLeast("--prefix-cache-mb", prefixCacheMib, 0);
        if (!(promptDeadline == 0 || promptDeadline >= 1 && promptDeadline <= 1000)) {
            throw new IllegalArgumentException("--prompt-deadline must be 0 (off) or between 1 and 1000, got " + promptDeadline);
        }
        return DEFAULTS.withMaxRunning(maxRunning).withMaxQueued(maxQueued).withKvCacheBytes(kvCacheMib << 20)
                .withPrefillChunkTokens(prefillChunk).withFeatureCacheBytes(featureCacheMib << 20)
                .withPrefixCacheBytes(prefixCacheMib << 20).withPromptDeadline(promptDeadline);
    }
}
