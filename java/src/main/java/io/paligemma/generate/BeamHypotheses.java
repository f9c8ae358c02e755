package io.paligemma.generate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Hugging Face's {@code BeamHypotheses} (transformers 4.47, {@code generation/beam_search.py}): the
 * {@code num_beams} best finished hypotheses of one request, scored {@code sum_logprobs / generated_len **
 * length_penalty}, and the test whether the search is done. Kept as HF keeps them: a list in insertion order
 * from which the worst is deleted, so equal scores come out in HF's order.
 */
final class BeamHypotheses {
    private final int numBeams;
    private final double lengthPenalty;
    private final BeamSearchConfig.EarlyStopping earlyStopping;
    private final int maxNewTokens;               // HF max_length - decoder_prompt_len
    private final List<BeamHypothesis> beams = new ArrayList<>();
    private double worstScore = 1e9;              // self.worst_score = 1e9

    BeamHypotheses(int numBeams, double lengthPenalty, BeamSearchConfig.EarlyStopping earlyStopping, int maxNewTokens) {
        this.numBeams = numBeams;
        this.lengthPenalty = lengthPenalty;
        this.earlyStopping = earlyStopping;
        this.maxNewTokens = maxNewTokens;
    }

    int size() {
        return beams.size();
    }

    double worstScore() {
        return worstScore;
    }

    /** Every kept hypothesis, in the list's order. */
    List<BeamHypothesis> hypotheses() {
        return List.copyOf(beams);
    }

    /** HF {@code add(hyp, sum_logprobs, generated_len=...)}; returns whether the hypothesis was kept. */
    boolean add(int[] tokens, boolean endedWithEos, float sumLogprobs, int generatedLength) {
        double score = sumLogprobs / Math.pow(generatedLength, lengthPenalty); // sum_logprobs / (generated_len ** length_penalty)
        if (beams.size() < numBeams || score > worstScore) {
            beams.add(new BeamHypothesis(tokens, endedWithEos, generatedLength, sumLogprobs, score));
            if (beams.size() > numBeams) {
                // sorted_next_scores = sorted([(s, idx) ...]): the lowest score goes, the first of equal ones
                int worst = 0;
                for (int i = 1; i < beams.size(); i++) {
                    if (beams.get(i).score() < beams.get(worst).score()) {
                        worst = i;
                    }
                }
                beams.remove(worst);                                        // del self.beams[sorted_next_scores[0][1]]
                double next = Double.POSITIVE_INFINITY;
                for (BeamHypothesis b : beams) {
                    next = Math.min(next, b.score());
                }
                worstScore = next;                                          // self.worst_score = sorted_next_scores[1][0]
            } else {
                worstScore = Math.min(score, worstScore);                  // self.worst_score = min(score, self.worst_score)
            }
            return true;
        }
        return false;
    }

    /**
     * HF {@code is_done(best_sum_logprobs, cur_len, decoder_prompt_len)}: enough hypotheses, and (per
     * early_stopping) none of the running ones can become better than the worst kept one.
     *
     * @param bestSumLogprobs the best candidate's cumulative score of this step (EOS or not)
     * @param generatedLength {@code cur_len - decoder_prompt_len}: new tokens after this step
     */
    boolean isDone(float bestSumLogprobs, int generatedLength) {
        if (beams.size() < numBeams) {
            return false;
        }
        return switch (earlyStopping) {
            case TRUE -> true;
            case FALSE -> worstScore >= bestSumLogprobs / Math.pow(generatedLength, lengthPenalty);
            case NEVER -> worstScore >= bestSumLogprobs
                    / Math.pow(lengthPenalty > 0.0 ? maxNewTokens : generatedLength, lengthPenalty);
        };
    }

    /** The best {@code n}, best first: HF's {@code sorted(beams, key=score)} popped from the end. */
    List<BeamHypothesis> best(int n) {
        List<BeamHypothesis> sorted = new ArrayList<>(beams);
        sorted.sort(Comparator.comparingDouble(BeamHypothesis::score));     // a stable sort, as Python's
        List<BeamHypothesis> out = new ArrayList<>();
        for (int j = 0; j < n && !sorted.isEmpty(); j++) {
            out.add(sorted.remove(sorted.size() - 1));                      // sorted_hyps.pop()
        }
        return out;
    }
}
