package io.paligemma.gemma;

/**
 * A block of consecutive tokens of one sequence inside a (possibly multi-sequence) forward: they go to
 * slots [start, start + rows) of the sequence's cache, and tokens [0, prefixLength) of the sequence form
 * its bidirectional prefix.
 */
public record KvSegment(KvCache cache, int start, int rows, int prefixLength) {
    public KvSegment {
        if (cache == null) {
            throw new IllegalArgumentException("a segment needs its sequence's KV cache");
        }
        if (rows < 1 || start != cache.length() || start + rows > cache.capacity()) {
            throw new IllegalArgumentException("tokens [" + start + ", " + (start + rows) + ") do not follow the "
                    + cache.length() + " positions held in a cache of " + cache.capacity());
        }
    }

    /** The next {@code rows} tokens of the sequence: they follow what its cache holds. */
    public static KvSegment next(KvCache cache, int rows, int prefixLength) {
        return new KvSegment(cache, cache.length(), rows, prefixLength);
    }

    /** One past the last cache slot this block writes. */
    public int end() {
        return start + rows;
    }
}
