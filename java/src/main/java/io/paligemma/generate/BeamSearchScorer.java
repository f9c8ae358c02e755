package io.paligemma.generate;

import java.util.Arrays;
import java.util.List;

/**
 * Hugging Face's {@code BeamSearchScorer} for one request (transformers 4.47, batch 1, one beam group): from a
 * step's candidates, best first, it takes the EOS candidates ranked among the first {@code num_beams} as finished
 * hypotheses and the other candidates, in rank order, as the next step's beams until {@code num_beams} are taken;
 * it says when the search is done ({@link BeamHypotheses#isDone}); {@link #finalize} adds the running beams (unless
 * done) and returns the best {@code num_return_sequences}.
 */
public final class BeamSearchScorer {
    private final int numBeams;
    private final int numReturnSequences;
    private final int[] eosTokenIds;
    private final BeamHypotheses hypotheses;
    private boolean done;

    /** @param eosTokenIds the ids that finish a hypothesis (none: hypotheses end at max new tokens only) */
    public BeamSearchScorer(BeamSearchConfig config, int maxNewTokens, int[] eosTokenIds) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("num_beams has to be an integer strictly greater than 1, but is "
                    + config.numBeams() + " (for 1, use greedy decoding)");
        }
        this.numBeams = config.numBeams();
        this.numReturnSequences = config.numReturnSequences();
        this.eosTokenIds = eosTokenIds.clone();
        this.hypotheses = new BeamHypotheses(numBeams, config.lengthPenalty(), config.earlyStopping(), maxNewTokens);
    }

    public boolean isDone() {
        return done;
    }

    /** Every finished hypothesis the heap holds now, in its insertion order. */
    public List<BeamHypothesis> finished() {
        return hypotheses.hypotheses();
    }

    boolean isEos(int token) {
        for (int e : eosTokenIds) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    /**
     * HF {@code process}: one step's candidates (sorted best first) → the next beams.
     *
     * @param beamTokens  each running beam's generated tokens, {@code [numBeams][generated]}
     * @param generated   tokens each beam has generated before this step
     * @param candScores  cumulative scores of the candidates, best first (float32: processed log-prob + beam score)
     * @param candTokens  their tokens
     * @param candParents their beams (index into {@code beamTokens})
     * @param nextScores  out [numBeams]: the new beams' cumulative scores
     * @param nextTokens  out [numBeams]: their tokens
     * @param nextParents out [numBeams]: the beam each continues
     */
    public void process(int[][] beamTokens, int generated, float[] candScores, int[] candTokens, int[] candParents,
                        float[] nextScores, int[] nextTokens, int[] nextParents) {
        if (done) {
            throw new IllegalStateException("the beam search is done; no step follows");
        }
        int curLen = generated + 1;                                         // cur_len - decoder_prompt_len after this step
        int beamIdx = 0;
        for (int rank = 0; rank < candScores.length; rank++) {
            int token = candTokens[rank];
            if (isEos(token)) {                                             // next_token.item() in eos_token_id
                if (rank >= numBeams) {                                     // is_beam_token_worse_than_top_num_beams
                    continue;
                }
                hypotheses.add(Arrays.copyOf(beamTokens[candParents[rank]], generated), true, candScores[rank], curLen);
            } else {
                nextScores[beamIdx] = candScores[rank];                     // next_beam_scores[batch_idx, beam_idx] = next_score
                nextTokens[beamIdx] = token;
                nextParents[beamIdx] = candParents[rank];
                beamIdx++;
            }
            if (beamIdx == numBeams) {                                      // once the beam for next step is full
                break;
            }
        }
        if (beamIdx < numBeams) {
            throw new IllegalStateException("at most " + numBeams + " of the step's " + candScores.length
                    + " candidates can be end-of-sequence ids; " + (candScores.length - beamIdx) + " were");
        }
        float best = Float.NEGATIVE_INFINITY;
        for (float s : candScores) {
            best = Math.max(best, s);                                       // next_scores[batch_idx].max().item()
        }
        done = done || hypotheses.isDone(best, curLen);
    }

    /**
     * HF {@code finalize}: unless done, every running beam joins the hypotheses with its cumulative score and
     * {@code generated_len} = its new tokens; then the best {@code num_return_sequences}, best first.
     */
    public List<BeamHypothesis> finalize(int[][] beamTokens, int generated, float[] beamScores) {
        if (!done) {
            for (int beam = 0; beam < numBeams; beam++) {
                hypotheses.add(Arrays.copyOf(beamTokens[beam], generated), false, beamScores[beam], generated);
            }
        }
        return hypotheses.best(numReturnSequences);
    }

    /**
     * HF's output rows (the {@code sequences} of {@code finalize}, minus the prompt): each hypothesis's tokens, then
     * the first EOS id when the row has room, then {@code padTokenId} when the rows differ in length. The row length
     * is min(longest hypothesis + 1, max new tokens).
     */
    public static int[][] rows(List<BeamHypothesis> returned, int maxNewTokens, int[] eosTokenIds, int padTokenId) {
        int longest = 0;
        int shortest = Integer.MAX_VALUE;
        for (BeamHypothesis h : returned) {
            longest = Math.max(longest, h.tokens().length);
            shortest = Math.min(shortest, h.tokens().length);
        }
        int width = Math.min(longest + 1, maxNewTokens);                    // sent_max_len = min(sent_lengths_max, max_length)
        int[][] rows = new int[returned.size()][];
        for (int i = 0; i < rows.length; i++) {
            int[] t = returned.get(i).tokens();
            int[] row = new int[width];
            if (shortest != longest) {
                Arrays.fill(row, padTokenId);                               // decoded.fill_(pad_token_id)
            }
            System.arraycopy(t, 0, row, 0, t.length);
            if (t.length < width) {
                if (eosTokenIds.length == 0) {
                    throw new IllegalStateException("a hypothesis shorter than the row needs an end-of-sequence id");
                }
                row[t.length] = eosTokenIds[0];                             // inserting only the first eos_token_id
            }
            rows[i] = row;
        }
        return rows;
    }
}
