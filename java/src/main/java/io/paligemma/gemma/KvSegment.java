package io.paligemma.gemma;

/**
 * A block of consecutive tokens of one sequence inside a (possibly multi-sequence) forward: the
 * sequence's workspace holds its KV cache, {@code start} is the cache slot of the first token, and
 * tokens [0, prefixLength) of the sequence form its bidirectional prefix.
 */
public record KvSegment(DecoderWorkspace cache, int start, int rows, int prefixLength) {
    public KvSegment {
        if (cache == null || !cache.hasCache()) {
            throw new IllegalArgumentException("a segment needs a workspace that holds a KV cache");
        }
        if (rows < 1 || start < 0 || start + rows > cache.capacity()) {
            throw new IllegalArgumentException("tokens [" + start + ", " + (start + rows) + ") exceed the context of "
                    + cache.capacity() + " positions of this workspace");
        }
    }

    /** One past the last cache slot this block writes. */
    public int end() {
        return start + rows;
    }
}
