package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Scratch;
import io.paligemma.tensor.FloatMatrix;

/**
 * The keys and values of one sequence for every decoder layer (transformers' DynamicCache, HybridCache on
 * Gemma 2): slot i holds position i, keys with RoPE applied. {@link #length()} positions are filled; a
 * forward appends its tokens after them. Owns its memory: one cache per sequence, closed when the sequence
 * ends.
 *
 * <p>Gemma 2's sliding-window layers keep every position too, where HybridCache keeps the last
 * {@code sliding_window} only: PaliGemma's prefix is bidirectional, so a prefix token attends to keys up to
 * the end of the prefix, and the prefill needs all of them in any case; what a ring of {@code
 * sliding_window} slots would save afterwards is nothing on the published PaliGemma 2 checkpoints (window
 * 4096, contexts of 256 + prompt + answer at 224 px, 1024 + ... at 448) and under 7 % of the cache at 896 px.
 * The window is a rule of the attention mask ({@link GemmaModel}), not of the storage.
 */
public final class KvCache extends Scratch {
    private final int capacity;
    private final FloatMatrix[] keys;   // per layer [capacity, kv_heads·head_dim], RoPE applied
    private final FloatMatrix[] values; // per layer [capacity, kv_heads·head_dim]
    private int length;

    public KvCache(GemmaConfig c, int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("a KV cache of " + capacity + " positions");
        }
        this.capacity = capacity;
        int kvd = c.numKeyValueHeads() * c.headDim();
        keys = new FloatMatrix[c.numHiddenLayers()];
        values = new FloatMatrix[c.numHiddenLayers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = matrix(capacity, kvd);
            values[l] = matrix(capacity, kvd);
        }
    }

    /** The bytes a cache of {@code capacity} positions takes: what a scheduler budgets. */
    public static long bytes(GemmaConfig c, int capacity) {
        return 2L * c.numHiddenLayers() * capacity * c.numKeyValueHeads() * c.headDim() * Float.BYTES;
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    /** Positions this cache has room for. */
    public int capacity() {
        return capacity;
    }

    /** Keys of a layer [capacity, kv_heads·head_dim]: slots [0, length) are filled. */
    public FloatMatrix keys(int layer) {
        return keys[layer];
    }

    /** Values of a layer [capacity, kv_heads·head_dim]. */
    public FloatMatrix values(int layer) {
        return values[layer];
    }

    /** Forgets positions from {@code newLength} on: the next forward writes there. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate a cache of " + length + " positions to " + newLength);
        }
        length = newLength;
    }

    /** Takes the first {@code rows} positions of {@code src} (same model) as its own: exact prefix reuse. */
    public void copyPrefix(KvCache src, int rows) {
        if (length != 0 || rows > src.length || rows > capacity || src.keys.length != keys.length) {
            throw new IllegalArgumentException("copy " + rows + " positions of a cache holding " + src.length
                    + " into one holding " + length + " of " + capacity);
        }
        for (int l = 0; l < keys.length; l++) {
            keys[l].rows(0, rows).copyFrom(src.keys[l].rows(0, rows));
            values[l].rows(0, rows).copyFrom(src.values[l].rows(0, rows));
        }
        length = rows;
    }

    /**
     * Makes positions [from, to) this cache's copy of {@code src}'s (same model) and its length {@code to}: the
     * positions before {@code from} must already be equal in both (a shared prompt), so only the rest is copied.
     * How a beam takes over its parent's keys and values.
     */
    public void copyRows(KvCache src, int from, int to) {
        if (src == this || src.keys.length != keys.length || from < 0 || from > to || from > length || to > src.length
                || to > capacity) {
            throw new IllegalArgumentException("copy positions [" + from + ", " + to + ") of a cache holding " + src.length
                    + " into one holding " + length + " of " + capacity + (src == this ? " (the same cache)" : ""));
        }
        if (to > from) {
            for (int l = 0; l < keys.length; l++) {
                keys[l].rows(from, to - from).copyFrom(src.keys[l].rows(from, to - from));
                values[l].rows(from, to - from).copyFrom(src.values[l].rows(from, to - from));
            }
        }
        length = to;
    }

    /**
     * Beam search's reorder (HF {@code cache.reorder_cache(beam_idx)}): new beam b continues old beam
     * {@code parents[b]}, so it gets that beam's keys and values. Returns the new caches, one per new beam: the
     * first child of a parent takes the parent's cache itself, any further child a cache of a beam no child
     * continues, into which the parent's positions from {@code shared} on are copied (positions [0, shared), the
     * prompt, are the same in every cache). No cache is lost or freed: the result holds the same objects.
     */
    public static KvCache[] reorder(KvCache[] caches, int[] parents, int shared) {
        int k = caches.length;
        if (parents.length != k) {
            throw new IllegalArgumentException(parents.length + " parents for " + k + " caches");
        }
        boolean[] taken = new boolean[k];
        for (int p : parents) {
            if (p < 0 || p >= k) {
                throw new IllegalArgumentException("parent beam " + p + " of " + k);
            }
            taken[p] = true;
        }
        java.util.ArrayDeque<KvCache> free = new java.util.ArrayDeque<>();
        for (int b = 0; b < k; b++) {
            if (!taken[b]) {
                free.add(caches[b]);                                        // no child continues beam b: reusable
            }
        }
        KvCache[] next = new KvCache[k];
        boolean[] moved = new boolean[k];
        for (int b = 0; b < k; b++) {
            int p = parents[b];
            if (!moved[p]) {
                moved[p] = true;
                next[b] = caches[p];                                        // the first child keeps the parent's cache
            }
        }
        for (int b = 0; b < k; b++) {
            if (next[b] == null) {
                KvCache c = free.remove();
                KvCache src = caches[parents[b]];
                c.truncate(Math.min(c.length, shared));
                c.copyRows(src, Math.min(c.length, shared), src.length);   // a further child: a copy after the prompt
                next[b] = c;
            }
        }
        return next;
    }

    /** The model's forward has written the segment's positions in every layer. */
    void advance(KvSegment s) {
        if (s.cache() != this || s.start() != length) {
            throw new IllegalStateException("a forward of positions [" + s.start() + ", " + s.end() + ") ended on a cache of "
                    + length + " positions");
        }
        length = s.end();
    }
}
