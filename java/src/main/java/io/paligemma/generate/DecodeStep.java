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
 * own chooser (a beam search takes one row per beam and chooses from all of them). Every row's arithmetic
 * is that of the sequence alone (at most {@code Ops.maxDecodeRows()}
 * rows), so answers do not depend on what runs beside them.
 */
public final class DecodeStep {
    private DecodeStep() {
    }

    /**
     * Decode steps until every sequence has finished, at most {@link #maxRows} rows per forward: what a
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
            for (List<Sequence> group : groups(running, most)) {
                run(model, group, act);
            }
        }
    }

    /**
     * Consecutive groups of the sequences with at most {@code most} rows each (a sequence with beams takes one row
     * per beam, and its rows stay in one forward).
     */
    public static List<List<Sequence>> groups(List<Sequence> seqs, int most) {
        List<List<Sequence>> out = new java.util.ArrayList<>();
        int from = 0;
        int rows = 0;
        for (int i = 0; i < seqs.size(); i++) {
            int r = seqs.get(i).rows();
            if (r > most) {
                throw new IllegalArgumentException("a sequence of " + r + " rows (beams) in decode steps of at most " + most);
            }
            if (rows + r > most) {
                out.add(seqs.subList(from, i));
                from = i;
                rows = 0;
            }
            rows += r;
        }
        if (from < seqs.size()) {
            out.add(seqs.subList(from, seqs.size()));
        }
        return out;
    }

    /** The most rows one step takes in {@code act}: its rows and logit rows, and no more than the ops keep exact. */
    public static int maxRows(PaliGemmaForConditionalGeneration model, DecoderWorkspace act) {
        return Math.min(Math.min(act.maxRows(), act.logitRows()), model.maxDecodeRows());
    }

    /**
     * Runs one step for {@code seqs} (all in {@link Sequence.Stage#DECODE}, at most {@link #maxRows} rows in all:
     * one per sequence, one per beam of a beam search). A sequence whose listener throws ends with that
     * exception; the others go on.
     */
    public static void run(PaliGemmaForConditionalGeneration model, List<Sequence> seqs, DecoderWorkspace act) {
        int n = 0;
        for (Sequence s : seqs) {
            if (s.stage() != Sequence.Stage.DECODE) {
                throw new IllegalStateException("sequence " + n + " of a decode step is in stage " + s.stage());
            }
            n += s.rows();
        }
        if (n < 1 || n > maxRows(model, act)) {
            throw new IllegalArgumentException(n + " rows in one decode step; it takes 1 to " + maxRows(model, act)
                    + " (the workspace's rows, and the rows the ops compute exactly as alone)");
        }
        int[] tokens = new int[n];
        KvSegment[] segments = new KvSegment[n];
        int row = 0;
        for (Sequence s : seqs) {
            for (int r = 0; r < s.rows(); r++, row++) {
                tokens[row] = s.lastTokenId(r);
                segments[row] = KvSegment.next(s.rowCache(r), 1, s.prefixLength());
            }
        }
        model.embed(tokens, 0, n, null, 0, act);                                   // the last token of each row
        model.languageModel().forward(act, segments, n, Probe.NONE);              // one forward for all of them
        row = 0;
        for (Sequence s : seqs) {
            int r = s.rows();
            s.accept(act.logits().rows(row, r));                                  // each with its own chooser
            row += r;
        }
    }
}
