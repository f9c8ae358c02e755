package io.paligemma.generate;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.KvSegment;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.util.List;

/**
 * One decode step for several sequences at once: the last token of each goes through one forward as one
 * row (every weight read once for all of them: decode is bound by memory, so B rows cost little more than
 * one), each row attending to its own sequence's cache; then each sequence chooses its next token with its
 * own chooser. Every row's arithmetic is that of the sequence alone (at most {@code Ops.maxDecodeRows()}
 * rows), so answers do not depend on what runs beside them.
 */
public final class DecodeStep {
    private DecodeStep() {
    }

    /**
     * Decode steps until every sequence has finished, at most {@link #maxRows} sequences per forward: what a
     * request run alone, or a fixed group run together, does after its prefill.
     */
    public static void untilDone(PaliGemmaForConditionalGeneration model, List<Sequence> seqs, DecoderWorkspace act) {
        int most = maxRows(model, act);
        List<Sequence> running = new java.util.ArrayList<>();
        while (true) {
            running.clear();
            for (Sequence s : seqs) {
                if (s.stage() == Sequence.Stage.DECODE) {
                    running.add(s);
                }
            }
            if (running.isEmpty()) {
                return;
            }
            for (int i = 0; i < running.size(); i += most) {
                run(model, running.subList(i, Math.min(running.size(), i + most)), act);
            }
        }
    }

    /** The most sequences one step takes in {@code act}: its rows, and no more than the ops keep exact. */
    public static int maxRows(PaliGemmaForConditionalGeneration model, DecoderWorkspace act) {
        return Math.min(act.maxRows(), model.maxDecodeRows());
    }

    /**
     * Runs one step for {@code seqs} (all in {@link Sequence.Stage#DECODE}, at most {@link #maxRows}). A
     * sequence whose listener throws ends with that exception; the others go on.
     */
    public static void run(PaliGemmaForConditionalGeneration model, List<Sequence> seqs, DecoderWorkspace act) {
        int n = seqs.size();
        if (n < 1 || n > maxRows(model, act)) {
            throw new IllegalArgumentException(n + " sequences in one decode step; it takes 1 to " + maxRows(model, act)
                    + " (the workspace's rows, and the rows the ops compute exactly as alone)");
        }
        int[] tokens = new int[n];
        KvSegment[] segments = new KvSegment[n];
        for (int i = 0; i < n; i++) {
            Sequence s = seqs.get(i);
            if (s.stage() != Sequence.Stage.DECODE) {
                throw new IllegalStateException("sequence " + i + " of a decode step is in stage " + s.stage());
            }
            tokens[i] = s.lastTokenId();
            segments[i] = KvSegment.next(s.cache(), 1, s.prefixLength());
        }
        model.embed(tokens, 0, n, null, 0, act);                                   // the last token of each
        model.languageModel().forward(act, segments, n, Probe.NONE);              // one forward for all of them
        for (int i = 0; i < n; i++) {
            seqs.get(i).accept(act.logits().row(i));                              // each with its own chooser
        }
    }
}
