package io.paligemma.conformance;

import io.paligemma.generate.NextToken;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The chooser of a checked request: keeps every step's logits and answers with their argmax (greedy
 * decoding, as the reference's greedy ids) or with given tokens (teacher forcing, so that two models are
 * compared on the same contexts).
 */
final class StepRecorder implements NextToken {
    private final long[] forced; // token fed after step s (null: the argmax)
    private final List<float[]> steps = new ArrayList<>();
    private final List<Long> chosen = new ArrayList<>();

    /** @param forced the token to answer at step s (null: greedy) */
    StepRecorder(long[] forced) {
        this.forced = forced;
    }

    @Override
    public int next(MemorySegment logits, int vocab) {
        float[] row = logits.asSlice(0, (long) vocab * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
        int s = steps.size();
        steps.add(row);
        long argmax = Compare.argmax(row, 0, vocab);
        chosen.add(argmax);
        return (int) (forced != null && s < forced.length ? forced[s] : argmax);
    }

    /** Logits of step s [V]: step 0 is the prompt's last row. */
    float[] logits(int s) {
        return steps.get(s);
    }

    int steps() {
        return steps.size();
    }

    /** The argmax of every step so far: what greedy decoding emits. */
    long[] argmaxes() {
        return chosen.stream().mapToLong(Long::longValue).toArray();
    }
}
