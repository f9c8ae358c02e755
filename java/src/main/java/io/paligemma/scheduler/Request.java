package io.paligemma.scheduler;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;

/**
 * One request for a {@link Scheduler}: a preprocessed picture, the prompt's ids in the processor's layout,
 * how to generate, what it wants back, and who hears each token (on the scheduler's thread, as it is
 * chosen; it returns false to stop, and what it throws ends this request only).
 *
 * @param pixels   pixel_values [3, S, S]
 * @param image    the picture's cache key ({@link ImageKey#of})
 * @param inputIds image tokens, bos, prompt, "\n"
 */
public record Request(float[] pixels, ImageKey image, int[] inputIds, GenerationConfig generation, Sequence.Goal goal,
                      TokenListener listener) {

    public Request {
        if (pixels == null || image == null || inputIds == null || generation == null || goal == null || listener == null) {
            throw new IllegalArgumentException("a request needs pixels, their key, ids, a generation config, a goal and a listener");
        }
        inputIds = inputIds.clone();
    }

    @Override
    public int[] inputIds() {
        return inputIds.clone();
    }

    int promptLength() {
        return inputIds.length;
    }
}
