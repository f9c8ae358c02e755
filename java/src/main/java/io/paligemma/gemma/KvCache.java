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

    /** The model's forward has written the segment's positions in every layer. */
    void advance(KvSegment s) {
        if (s.cache() != this || s.start() != length) {
            throw new IllegalStateException("a forward of positions [" + s.start() + ", " + s.end() + ") ended on a cache of "
                    + length + " positions");
        }
        length = s.end();
    }
}
