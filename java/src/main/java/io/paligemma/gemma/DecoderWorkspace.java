package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Scratch;
import java.lang.foreign.MemorySegment;

/**
 * Everything one sequence needs in the decoder, allocated once: activations for up to {@code maxRows}
 * tokens per forward call, the KV cache for {@code capacity} positions, and logits for up to
 * {@code logitRows} rows. Nothing is allocated per token.
 */
public final class DecoderWorkspace extends Scratch {
    final int maxRows;
    final int capacity;
    final int logitRows;
    final MemorySegment hidden;      // [maxRows, H] residual stream
    final MemorySegment normed;      // [maxRows, H]
    final MemorySegment q;           // [maxRows, heads·head_dim]
    final MemorySegment newKeys;     // [maxRows, kv_heads·head_dim] k of this forward, RoPE applied, before caching
    final MemorySegment newValues;   // [maxRows, kv_heads·head_dim]
    final MemorySegment attn;        // [maxRows, heads·head_dim]
    final MemorySegment proj;        // [maxRows, H] o_proj / down_proj output
    final MemorySegment gate;        // [maxRows, I]
    final MemorySegment up;          // [maxRows, I]
    final MemorySegment scores;      // [maxRows, capacity] one head at a time
    final MemorySegment cos;         // [maxRows, head_dim/2]
    final MemorySegment sin;         // [maxRows, head_dim/2]
    final MemorySegment keyLo;       // [maxRows] int32, first visible key (global layers)
    final MemorySegment keyLoWindow; // [maxRows] int32, first visible key (sliding-window layers)
    final MemorySegment keyHi;       // [maxRows] int32, one past the last visible key
    final MemorySegment logits;      // [logitRows, V]
    final MemorySegment[] keys;      // per layer [capacity, kv_heads·head_dim], RoPE applied (none for a batch step)
    final MemorySegment[] values;    // per layer [capacity, kv_heads·head_dim]

    public DecoderWorkspace(GemmaConfig c, int maxRows, int capacity, int logitRows) {
        this(c, maxRows, capacity, logitRows, true);
    }

    /**
     * Activations for a multi-sequence step (rows of several sequences, each with its own cache), with
     * scores wide enough for contexts of {@code capacity} tokens and no KV cache of its own.
     */
    public static DecoderWorkspace forBatch(GemmaConfig c, int maxRows, int capacity) {
        return new DecoderWorkspace(c, maxRows, capacity, maxRows, false);
    }

    private DecoderWorkspace(GemmaConfig c, int maxRows, int capacity, int logitRows, boolean withCache) {
        if (maxRows < 1 || (withCache && capacity < maxRows) || capacity < 1 || logitRows < 1 || logitRows > maxRows) {
            throw new IllegalArgumentException("decoder workspace: maxRows=" + maxRows + " capacity=" + capacity
                    + " logitRows=" + logitRows);
        }
        this.maxRows = maxRows;
        this.capacity = capacity;
        this.logitRows = logitRows;
        long h = c.hiddenSize();
        long qd = (long) c.numAttentionHeads() * c.headDim();
        long kvd = (long) c.numKeyValueHeads() * c.headDim();
        hidden = floats(maxRows * h);
        normed = floats(maxRows * h);
        q = floats(maxRows * qd);
        newKeys = floats(maxRows * kvd);
        newValues = floats(maxRows * kvd);
        attn = floats(maxRows * qd);
        proj = floats(maxRows * h);
        gate = floats((long) maxRows * c.intermediateSize());
        up = floats((long) maxRows * c.intermediateSize());
        scores = floats((long) maxRows * capacity);
        cos = floats((long) maxRows * c.headDim() / 2);
        sin = floats((long) maxRows * c.headDim() / 2);
        keyLo = ints(maxRows);
        keyLoWindow = ints(maxRows);
        keyHi = ints(maxRows);
        logits = floats((long) logitRows * c.vocabSize());
        keys = new MemorySegment[withCache ? c.numHiddenLayers() : 0];
        values = new MemorySegment[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = floats(capacity * kvd);
            values[i] = floats(capacity * kvd);
        }
    }

    public int maxRows() {
        return maxRows;
    }

    public int capacity() {
        return capacity;
    }

    public int logitRows() {
        return logitRows;
    }

    /** False for the activations-only workspace of a multi-sequence step. */
    public boolean hasCache() {
        return keys.length > 0;
    }

    /** Input rows of the next forward: inputs_embeds [rows, H] are written here. */
    public MemorySegment inputs() {
        return hidden;
    }

    /** Logits [logitRows, V] of the last forward. */
    public MemorySegment logits() {
        return logits;
    }

    /** Final-norm hidden states [rows, H] of the last forward. */
    public MemorySegment lastHiddenStates() {
        return normed;
    }
}
