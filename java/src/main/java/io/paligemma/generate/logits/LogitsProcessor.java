package io.paligemma.generate.logits;

/**
 * One step between the model's logits and the distribution a token is chosen from: Hugging Face's
 * {@code LogitsProcessor} ({@code transformers/generation/logits_process.py}). The class names are HF's, and
 * each implementation follows its HF class line by line in float32, so that a list of them reproduces what
 * {@code generate} samples from.
 *
 * <p>Scores are processed in place (HF returns a new tensor). A filter writes {@code -inf} (HF's
 * {@code filter_value}) into the scores it removes. An instance keeps scratch arrays between calls, so it
 * belongs to one request at a time.
 */
public interface LogitsProcessor {

    /**
     * HF: {@code scores = processor(input_ids, scores)}.
     *
     * @param inputIds the sequence so far, {@code inputIds[0, length)}: the whole prompt (image tokens, bos, text,
     *                 "\n") and the tokens generated before this step; only the repetition penalty reads it
     * @param scores   [V] float32 scores of the next token, changed in place
     */
    void process(int[] inputIds, int length, float[] scores);

    /** The Hugging Face class this step mirrors, e.g. {@code TopPLogitsWarper}. */
    default String name() {
        return getClass().getSimpleName();
    }
}
