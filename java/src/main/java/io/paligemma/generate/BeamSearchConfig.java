package io.paligemma.generate;

import java.util.Locale;

/**
 * Beam search as Hugging Face transformers 4.47's {@code generate(num_beams=k)} runs it ({@code _beam_search} with
 * its {@code BeamSearchScorer}): k running beams, the k best finished hypotheses kept, each scored
 * {@code sum_logprobs / generated_len ** length_penalty}.
 *
 * @param numBeams           HF {@code num_beams}: 1 is no beam search (greedy decoding or sampling)
 * @param numReturnSequences HF {@code num_return_sequences}: the best this many hypotheses are returned, 1 to numBeams
 * @param lengthPenalty      HF {@code length_penalty}: the exponent of the length that divides a hypothesis's summed
 *                           log-probability; > 0 favours longer hypotheses, < 0 shorter ones (default 1)
 * @param earlyStopping      HF {@code early_stopping}: when the search ends before max new tokens
 */
public record BeamSearchConfig(int numBeams, int numReturnSequences, double lengthPenalty, EarlyStopping earlyStopping) {

    /** No beam search. */
    public static final BeamSearchConfig NONE = new BeamSearchConfig(1, 1, 1.0, EarlyStopping.FALSE);

    /** HF {@code early_stopping}: {@code True}, {@code False} or {@code "never"}. */
    public enum EarlyStopping {
        /** Stop as soon as numBeams hypotheses are finished. */
        TRUE,
        /**
         * HF's default heuristic: stop once numBeams hypotheses are finished and the best running candidate, scored
         * with its current length, cannot beat the worst of them.
         */
        FALSE,
        /**
         * Canonical beam search: stop only when no running beam can beat the worst finished one, its best possible
         * score taken at the maximum length when length_penalty > 0.
         */
        NEVER;

        /** "true", "false" or "never" (any case), as HF spells the values. */
        public static EarlyStopping parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "true" -> TRUE;
                case "false" -> FALSE;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException("early stopping must be true, false or never, got '" + s + "'");
            };
        }
    }

    public BeamSearchConfig {
        if (numBeams < 1) {
            throw new IllegalArgumentException("the number of beams must be >= 1 (1: no beam search), got " + numBeams);
        }
        if (numReturnSequences < 1 || numReturnSequences > numBeams) {
            throw new IllegalArgumentException("the number of returned sequences must be in [1, num_beams = " + numBeams
                    + "], got " + numReturnSequences + (numBeams == 1 ? " (more than one needs beam search)" : ""));
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw new IllegalArgumentException("length penalty must be a finite number, got " + lengthPenalty);
        }
        if (earlyStopping == null) {
            throw new IllegalArgumentException("early stopping is null: use EarlyStopping.FALSE (Hugging Face's default)");
        }
    }

    /** k beams, the best one returned, length penalty 1, HF's default early stopping (false). */
    public static BeamSearchConfig beams(int numBeams) {
        return new BeamSearchConfig(numBeams, 1, 1.0, EarlyStopping.FALSE);
    }

    public boolean enabled() {
        return numBeams > 1;
    }

    public BeamSearchConfig withNumReturnSequences(int n) {
        return new BeamSearchConfig(numBeams, n, lengthPenalty, earlyStopping);
    }

    public BeamSearchConfig withLengthPenalty(double p) {
        return new BeamSearchConfig(numBeams, numReturnSequences, p, earlyStopping);
    }

    public BeamSearchConfig withEarlyStopping(EarlyStopping e) {
        return new BeamSearchConfig(numBeams, numReturnSequences, lengthPenalty, e);
    }
}
