package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;

/**
 * GemmaAttention / Gemma2Attention: no biases, rotate-half RoPE on q and k, K/V heads shared by
 * groups of query heads (MQA/GQA), keys and values written into the sequence's cache before use.
 * Gemma 2: scale query_pre_attn_scalar^-0.5, scores soft-capped before the mask, sliding window on
 * even layers.
 */
final class GemmaAttention {
    private final GemmaConfig config;
    private final Ops ops;
    private final int layer;
    private final boolean sliding;
    private final float softcap; // 0 = none
    private final Linear qProj;  // [heads·hd, H]
    private final Linear kProj;  // [kv·hd, H]
    private final Linear vProj;  // [kv·hd, H]
    private final Linear oProj;  // [H, heads·hd]

    GemmaAttention(GemmaConfig c, Weights w, String prefix, int layer, Ops ops) {
        this.config = c;
        this.ops = ops;
        this.layer = layer;
        this.sliding = c.isSlidingLayer(layer);
        this.softcap = c.isGemma2() && !Double.isNaN(c.gemma2().attnLogitSoftcapping())
                ? (float) c.gemma2().attnLogitSoftcapping() : 0f;
        int h = c.hiddenSize();
        int qd = c.numAttentionHeads() * c.headDim();
        int kvd = c.numKeyValueHeads() * c.headDim();
        this.qProj = Linear.load(w, prefix + ".q_proj", h, qd, false);
        this.kProj = Linear.load(w, prefix + ".k_proj", h, kvd, false);
        this.vProj = Linear.load(w, prefix + ".v_proj", h, kvd, false);
        this.oProj = Linear.load(w, prefix + ".o_proj", qd, h, false);
    }

    /**
     * act.normed [rows, H], the rows of the segments one after the other → act.proj [rows, H]; each
     * segment's keys and values go into its own sequence's cache, and its queries attend to that cache.
     */
    void forward(DecoderWorkspace act, KvSegment[] segments, int rows) {
        int hd = config.headDim();
        int heads = config.numAttentionHeads();
        int qd = heads * hd;
        int kvd = config.numKeyValueHeads() * hd;
        long kvRow = (long) kvd * Float.BYTES;
        qProj.forward(ops, act.normed, rows, act.q);                                // query_states = self.q_proj(hidden_states)
        kProj.forward(ops, act.normed, rows, act.newKeys);                          // key_states = self.k_proj(hidden_states)
        vProj.forward(ops, act.normed, rows, act.newValues);                        // value_states = self.v_proj(hidden_states)
        ops.ropeRotateHalf(act.q, rows, heads, hd, qd, act.cos, act.sin);           // apply_rotary_pos_emb(q, ...)
        ops.ropeRotateHalf(act.newKeys, rows, config.numKeyValueHeads(), hd, kvd, act.cos, act.sin); // ... and k
        int row0 = 0;
        for (KvSegment s : segments) {
            MemorySegment keys = s.cache().keys[layer];
            MemorySegment values = s.cache().values[layer];
            MemorySegment.copy(act.newKeys, row0 * kvRow, keys, s.start() * kvRow, s.rows() * kvRow);   // past_key_value.update
            MemorySegment.copy(act.newValues, row0 * kvRow, values, s.start() * kvRow, s.rows() * kvRow);
            int end = s.end();
            MemorySegment keyLo = (sliding ? act.keyLoWindow : act.keyLo).asSlice(row0 * 4L);
            MemorySegment keyHi = act.keyHi.asSlice(row0 * 4L);
            for (int h = 0; h < heads; h++) {
                int kvHead = h / config.groupSize();                                // repeat_kv
                MemorySegment q = act.q.asSlice(((long) row0 * qd + (long) h * hd) * Float.BYTES);
                MemorySegment k = keys.asSlice((long) kvHead * hd * Float.BYTES);
                MemorySegment v = values.asSlice((long) kvHead * hd * Float.BYTES);
                MemorySegment o = act.attn.asSlice(((long) row0 * qd + (long) h * hd) * Float.BYTES);
                ops.matmulTransB(q, qd, k, kvd, act.scores, end, s.rows(), end, hd, 1f); // attn_weights = q @ kᵀ
                ops.softmaxRows(act.scores, s.rows(), end, end, config.attentionScale(),  // · scaling, soft-cap, + mask,
                        softcap, keyLo, keyHi);                                        // softmax in float32
                ops.matmul(act.scores, end, v, kvd, o, qd, s.rows(), hd, end);         // attn_output = attn_weights @ v
            }
            row0 += s.rows();
        }
        oProj.forward(ops, act.attn, rows, act.proj);                               // self.o_proj(attn_output)
    }
}
