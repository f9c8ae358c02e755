package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Scratch;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.IntColumn;

/**
 * The activations of one decoder forward of up to {@code maxRows} tokens (one sequence's prompt, or one
 * token of each of several sequences), attending to contexts of up to {@code maxContext} positions, with
 * logits for up to {@code logitRows} rows. Activations only: the keys and values live in each sequence's
 * {@link KvCache}. Allocated once; nothing is allocated per token.
 */
public final class DecoderWorkspace extends Scratch {
    final int maxRows;
    final int maxContext;
    final int logitRows;
    final FloatMatrix hidden;      // [maxRows, H] residual stream
    final FloatMatrix normed;      // [maxRows, H]
    final FloatMatrix q;           // [maxRows, heads·head_dim]
    final FloatMatrix newKeys;     // [maxRows, kv_heads·head_dim] k of this forward, RoPE applied, before caching
    final FloatMatrix newValues;   // [maxRows, kv_heads·head_dim]
    final FloatMatrix attn;        // [maxRows, heads·head_dim]
    final FloatMatrix proj;        // [maxRows, H] o_proj / down_proj output
    final FloatMatrix gate;        // [maxRows, I]
    final FloatMatrix up;          // [maxRows, I]
    final FloatMatrix scores;      // [maxRows, maxContext] one head of one segment at a time
    final FloatMatrix cos;         // [maxRows, head_dim/2]
    final FloatMatrix sin;         // [maxRows, head_dim/2]
    final IntColumn keyLo;         // [maxRows] first visible key (global layers)
    final IntColumn keyLoWindow;   // [maxRows] first visible key (sliding-window layers)
    final IntColumn keyHi;         // [maxRows] one past the last visible key
    final FloatMatrix logits;      // [logitRows, V]

    public DecoderWorkspace(GemmaConfig c, int maxRows, int maxContext, int logitRows) {
        if (maxRows < 1 || maxContext < 1 || logitRows < 1 || logitRows > maxRows) {
            throw new IllegalArgumentException("decoder workspace: maxRows=" + maxRows + " maxContext=" + maxContext
                    + " logitRows=" + logitRows);
        }
        this.maxRows = maxRows;
        this.maxContext = maxContext;
        this.logitRows = logitRows;
        int h = c.hiddenSize();
        int qd = c.numAttentionHeads() * c.headDim();
        int kvd = c.numKeyValueHeads() * c.headDim();
        hidden = matrix(maxRows, h);
        normed = matrix(maxRows, h);
        q = matrix(maxRows, qd);
        newKeys = matrix(maxRows, kvd);
        newValues = matrix(maxRows, kvd);
        attn = matrix(maxRows, qd);
        proj = matrix(maxRows, h);
        gate = matrix(maxRows, c.intermediateSize());
        up = matrix(maxRows, c.intermediateSize());
        scores = matrix(maxRows, maxContext);
        cos = matrix(maxRows, c.headDim() / 2);
        sin = matrix(maxRows, c.headDim() / 2);
        keyLo = intColumn(maxRows);
        keyLoWindow = intColumn(maxRows);
        keyHi = intColumn(maxRows);
        logits = matrix(logitRows, c.vocabSize());
    }

    public int maxRows() {
        return maxRows;
    }

    public int maxContext() {
        return maxContext;
    }

    public int logitRows() {
        return logitRows;
    }

    /** Input rows of the next forward: inputs_embeds [rows, H] are written here. */
    public FloatMatrix inputs() {
        return hidden;
    }

    /** Logits [logitRows, V] of the last forward (its last rows). */
    public FloatMatrix logits() {
        return logits;
    }

    /** Final-norm hidden states [rows, H] of the last forward. */
    public FloatMatrix lastHiddenStates() {
        return normed;
    }
}
