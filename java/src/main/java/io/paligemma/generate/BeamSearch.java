package io.paligemma.generate;

import io.paligemma.generate.logits.LogitsProcessorList;
import io.paligemma.tensor.FloatMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * The token side of one request's beam search, step by step as transformers 4.47's {@code _beam_search} runs it
 * for batch 1: each beam's logits → {@code log_softmax} → the processors (on each beam's own {@code input_ids}) →
 * + the beam's cumulative score (float32) → the top {@code max(2, 1 + #eos) · k} of the flattened {@code k × V}
 * candidates → {@link BeamSearchScorer#process} → the next k beams (parent, token, score). The model side (one
 * batched decode step for the k beams, the KV rows of each beam reordered to its parent's) is the
 * {@link Sequence}'s. One instance per request; its arrays are reused across steps.
 */
public final class BeamSearch {
    private final int numBeams;
    private final int vocab;
    private final int promptLength;
    private final int maxNewTokens;
    private final LogitsProcessorList processors;
    private final BeamSearchScorer scorer;
    private final int keep;                 // n_tokens_to_keep = max(2, 1 + n_eos_tokens) * num_beams
    private int[][] inputIds;               // [k][prompt + max new] each beam's input_ids
    private int[][] spare;                  // the next step's input_ids, swapped in
    private int[][] generatedTokens;        // [k][max new] each beam's new tokens (views for the scorer)
    private final float[] beamScores;       // [k] cumulative float32 scores
    private final float[] scores;           // [V] one beam's processed log-probs
    private final float[] candScores;       // [keep] the step's best candidates, best first
    private final int[] candIndex;          // [keep] their flat index beam · V + token
    private final int[] candTokens;
    private final int[] candParents;
    private final int[] nextTokens;         // [k] the last step's beams: token, parent
    private final int[] nextParents;
    private final float[] nextScores;
    private int generated;                  // tokens each beam holds after the prompt
    private List<BeamHypothesis> returned;

    /**
     * @param promptIds    the prompt in the processor's layout: the start of every beam's {@code input_ids}
     * @param eosTokenIds  the ids that finish a hypothesis
     */
    public BeamSearch(BeamSearchConfig config, LogitsProcessorList processors, int[] promptIds, int maxNewTokens,
                      int[] eosTokenIds, int vocab) {
        this.numBeams = config.numBeams();
        this.vocab = vocab;
        this.promptLength = promptIds.length;
        this.maxNewTokens = maxNewTokens;
        this.processors = processors;
        this.scorer = new BeamSearchScorer(config, maxNewTokens, eosTokenIds);
        this.keep = Math.max(2, 1 + eosTokenIds.length) * numBeams;
        if ((long) numBeams * vocab < keep) {
            throw new IllegalArgumentException(numBeams + " beams over a vocabulary of " + vocab + " tokens have fewer than the "
                    + keep + " candidates a step ranks");
        }
        inputIds = new int[numBeams][promptLength + maxNewTokens];
        spare = new int[numBeams][promptLength + maxNewTokens];
        generatedTokens = new int[numBeams][];
        for (int b = 0; b < numBeams; b++) {
            System.arraycopy(promptIds, 0, inputIds[b], 0, promptLength);  // input_ids expanded to num_beams rows
        }
        beamScores = new float[numBeams];
        Arrays.fill(beamScores, 1, numBeams, -1e9f);                        // beam_scores[:, 1:] = -1e9
        scores = new float[vocab];
        candScores = new float[keep];
        candIndex = new int[keep];
        candTokens = new int[keep];
        candParents = new int[keep];
        nextTokens = new int[numBeams];
        nextParents = new int[numBeams];
        nextScores = new float[numBeams];
    }

    public int numBeams() {
        return numBeams;
    }

    /** Tokens each running beam has generated. */
    public int generated() {
        return generated;
    }

    /** Whether the search has ended: done by its early-stopping rule, or max new tokens reached. */
    public boolean finished() {
        return returned != null;
    }

    /** The token that beam {@code b} fed last (its newest token): what the next decode step feeds for it. */
    public int lastToken(int b) {
        return nextTokens[b];
    }

    /** The running beams' cumulative scores (float32) after the last step. */
    public float[] beamScores() {
        return beamScores.clone();
    }

    /** Every finished hypothesis the scorer holds now, in its insertion order. */
    public List<BeamHypothesis> finishedHypotheses() {
        return scorer.finished();
    }

    /** The last step's parents: new beam {@code b} continues old beam {@code parents[b]}. */
    public int[] parents() {
        return nextParents.clone();
    }

    /** The returned hypotheses, best first, once finished. */
    public List<BeamHypothesis> returned() {
        if (returned == null) {
            throw new IllegalStateException("the beam search has not finished");
        }
        return returned;
    }

    /**
     * One step from the logits after each beam's last token: {@code logits} has k rows (row b = beam b), or one
     * row after the prompt, which every beam shares (HF runs k identical prompts). Afterwards {@link #parents()}
     * and {@link #lastToken} describe the new beams, and {@link #finished()} says whether the search ended.
     */
    public void step(FloatMatrix logits) {
        if (finished()) {
            throw new IllegalStateException("the beam search has finished");
        }
        if ((logits.rows() != numBeams && logits.rows() != 1) || logits.columns() < vocab) {
            throw new IllegalArgumentException("logits of " + logits.rows() + " × " + logits.columns() + " for " + numBeams
                    + " beams over " + vocab + " tokens");
        }
        int length = promptLength + generated;
        int filled = 0;
        for (int b = 0; b < numBeams; b++) {
            MemorySegment row = logits.row(Math.min(b, logits.rows() - 1)).data();
            logSoftmax(row, scores);                                        // log_softmax(next_token_logits, dim=-1)
            processors.process(inputIds[b], length, scores);                // logits_processor(input_ids, next_token_scores)
            float beamScore = beamScores[b];
            for (int v = 0; v < vocab; v++) {
                float c = scores[v] + beamScore;                            // + beam_scores[:, None]
                filled = offer(c, b * vocab + v, filled);                   // torch.topk(..., n_tokens_to_keep, sorted=True)
            }
        }
        for (int i = 0; i < keep; i++) {
            candParents[i] = candIndex[i] / vocab;                          // next_indices = next_tokens // vocab_size
            candTokens[i] = candIndex[i] % vocab;                           // next_tokens = next_tokens % vocab_size
        }
        for (int b = 0; b < numBeams; b++) {
            generatedTokens[b] = Arrays.copyOfRange(inputIds[b], promptLength, length);
        }
        scorer.process(generatedTokens, generated, candScores, candTokens, candParents, nextScores, nextTokens, nextParents);
        for (int b = 0; b < numBeams; b++) {                               // input_ids = cat([input_ids[beam_idx], tokens])
            System.arraycopy(inputIds[nextParents[b]], 0, spare[b], 0, length);
            spare[b][length] = nextTokens[b];
        }
        int[][] t = inputIds;
        inputIds = spare;
        spare = t;
        System.arraycopy(nextScores, 0, beamScores, 0, numBeams);           // beam_scores = beam_outputs["next_beam_scores"]
        generated++;
        if (scorer.isDone() || generated == maxNewTokens) {                 // beam_scorer.is_done or stopping_criteria
            for (int b = 0; b < numBeams; b++) {
                generatedTokens[b] = Arrays.copyOfRange(inputIds[b], promptLength, promptLength + generated);
            }
            returned = scorer.finalize(generatedTokens, generated, beamScores);
        }
    }

    /** Inserts a candidate into the sorted best list (equal scores: the lower index first, as it came first). */
    private int offer(float c, int index, int filled) {
        if (filled == keep && !(c > candScores[keep - 1])) {
            return filled;
        }
        int at = filled == keep ? keep - 1 : filled++;
        while (at > 0 && candScores[at - 1] < c) {
            candScores[at] = candScores[at - 1];
            candIndex[at] = candIndex[at - 1];
            at--;
        }
        candScores[at] = c;
        candIndex[at] = index;
        return filled;
    }

    /**
     * ATen's {@code log_softmax} over the last dimension in float32: x - max - log(Σ exp(x - max)), the sum
     * accumulated in double (as {@link io.paligemma.generate.logits.Softmax}).
     */
    static void logSoftmax(MemorySegment logits, float[] out) {
        int v = out.length;
        MemorySegment.copy(logits, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0, v);
        float max = Float.NEGATIVE_INFINITY;
        for (float x : out) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += (float) Math.exp(out[i] - max);                          // (x - max).exp()
        }
        float logSum = (float) Math.log(sum);                               // std::log(tmp_sum)
        for (int i = 0; i < v; i++) {
            out[i] = out[i] - max - logSum;                                 // x - max - tmp_sum
        }
    }
}
