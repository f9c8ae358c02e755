package io.paligemma.spark;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.sql.Row;

/**
 * What one partition of {@link PaliGemmaTransformer#transform} does, fixed on the driver and shipped with
 * every task: which model, which columns hold the picture and the prompt, how to generate, what to do with
 * a bad row. {@link #run} turns a partition's rows into output rows ({@link PartitionRun}).
 *
 * @param model         the executor's shared model
 * @param task          caption / answer / ocr / detect / segment
 * @param imageIndex    the picture column: binary (the image file's bytes) or string (its path or URI)
 * @param imageIsPath   whether that column is a path
 * @param nameIndex     a string column naming the row in error messages (e.g. binaryFile's path), -1 = none
 * @param prompt        the prompt for every row, or null when {@code promptIndex} holds one per row
 * @param promptIndex   the prompt column, -1 = none
 * @param maxTokens     most tokens to generate
 * @param temperature   0 = greedy, else sampling with topK, topP, seed
 * @param inFlight      requests a task keeps submitted ahead of the row it returns
 * @param failFast      a bad row fails the task (and the job) instead of giving an error row
 * @param maskDecoder   VQ-VAE weights for segment masks (.npz / .safetensors), or null: codes only
 */
record RowJob(ModelSpec model, Task task, int imageIndex, boolean imageIsPath, int nameIndex, String prompt,
              int promptIndex, int maxTokens, double temperature, int topK, double topP, long seed, int inFlight,
              boolean failFast, String maskDecoder) implements Serializable {

    RowJob {
        generation(maxTokens, temperature, topK, topP, seed); // bad numbers fail on the driver, not in every task
        if (inFlight < 1) {
            throw new IllegalArgumentException("requests in flight per task must be >= 1, got " + inFlight);
        }
    }

    GenerationConfig generation() {
        return generation(maxTokens, temperature, topK, topP, seed);
    }

    private static GenerationConfig generation(int maxTokens, double temperature, int topK, double topP, long seed) {
        GenerationConfig g = GenerationConfig.greedy(maxTokens);
        if (temperature > 0) {
            g = g.withSampling(new SamplingConfig((float) temperature, topK, topP, 0f, seed));
        }
        return g;
    }

    Iterator<Row> run(Iterator<Row> rows) {
        return new PartitionRun(this, rows);
    }
}
