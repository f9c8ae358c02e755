package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.IntColumn;
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
        FloatMatrix x = act.normed.rows(0, rows);
        FloatMatrix q = act.q.rows(0, rows);
        FloatMatrix k = act.newKeys.rows(0, rows);
        FloatMatrix v = act.newValues.rows(0, rows);
        qProj.forward(ops, x, q);                                                  // query_states = self.q_proj(hidden_states)
        kProj.forward(ops, x, k);                                                  // key_states = self.k_proj(hidden_states)
        vProj.forward(ops, x, v);                                                  // value_states = self.v_proj(hidden_states)
        ops.ropeRotateHalf(q, heads, hd, act.cos, act.sin);                        // apply_rotary_pos_emb(q, ...)
        ops.ropeRotateHalf(k, config.numKeyValueHeads(), hd, act.cos, act.sin);    // ... and k
        int row0 = 0;
        for (KvSegment s : segments) {
            int n = s.rows();
            FloatMatrix keys = s.cache().keys(layer).rows(0, s.end());
            FloatMatrix values = s.cache().values(layer).rows(0, s.end());
            keys.rows(s.start(), n).copyFrom(k.rows(row0, n));                      // past_key_value.update(key_states, ...)
            values.rows(s.start(), n).copyFrom(v.rows(row0, n));                    // ... and value_states
            IntColumn lo = (sliding ? act.keyLoWindow : act.keyLo).slice(row0, n);
            IntColumn hi = act.keyHi.slice(row0, n);
            FloatMatrix scores = act.scores.rows(0, n).columns(0, s.end());
            FloatMatrix queries = q.rows(row0, n);
            FloatMatrix out = act.attn.rows(row0, n);
            attend(queries, keys, values, scores, lo, hi, out);
            row0 += n;
        }
        oProj.forward(ops, act.attn.rows(0, rows), act.proj.rows(0, rows));      // self.o_proj(attn_output)
    }

    /**
     * Eager attention of one segment's queries [n, heads·hd] over its cache's keys and values [end, kv·hd],
     * head by head, into out [n, heads·hd]. The buffers' segments are taken once per segment and per
     * key/value head, not per op call: each is a heap object, and a decode step runs this for every layer,
     * head and sequence.
     */
    private void attend(FloatMatrix queries, FloatMatrix keys, FloatMatrix values, FloatMatrix scores, IntColumn lo,
                        IntColumn hi, FloatMatrix out) {
        int hd = config.headDim();
        int n = queries.rows();
        int end = keys.rows();
        MemorySegment s = scores.data();
        MemorySegment keyLo = lo.data();
        MemorySegment keyHi = hi.data();
        for (int kvHead = 0; kvHead < config.numKeyValueHeads(); kvHead++) {
            MemorySegment k = keys.columns(kvHead * hd, hd).data();
            MemorySegment v = values.columns(kvHead * hd, hd).data();
            for (int h = kvHead * config.groupSize(); h < (kvHead + 1) * config.groupSize(); h++) {   // repeat_kv
                MemorySegment qh = queries.columns(h * hd, hd).data();
                MemorySegment oh = out.columns(h * hd, hd).data();
                ops.matmulTransB(qh, queries.stride(), k, keys.stride(), s, scores.stride(), n, end, hd, 1f); // attn_weights = q @ kᵀ
                ops.softmaxRows(s, n, end, scores.stride(), config.attentionScale(), softcap, keyLo, keyHi); // · scaling, soft-cap, + mask, softmax in float32
                ops.matmul(s, scores.stride(), v, values.stride(), oh, out.stride(), n, hd, end);   // attn_output = attn_weights @ v
            }
        }
    }
}
