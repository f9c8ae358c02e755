package io.paligemma.spark;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.safetensors.LoadMode;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * Everything that decides which model an executor loads: the checkpoint and the options that change its
 * weights, arithmetic or scheduler. Two tasks with equal specs share one loaded model ({@link ExecutorModels}).
 * Plain strings and numbers, so that it travels to the executors with the task.
 *
 * @param checkpoint  the checkpoint directory as the executors see it (shared storage, or an --archives alias)
 * @param backend     native or java
 * @param threads     the model's compute threads (shared by every task of the executor); 0 = the engine's
 *                    default, the machine's physical cores
 * @param weights     stored or int8
 * @param compute     f32 or bf16
 * @param load        mmap or copy
 * @param maxContext  tokens per sequence, 0 = the image tokens + 512
 * @param batchSize   sequences the model's scheduler runs at once (they decode together)
 */
public record ModelSpec(String checkpoint, String backend, int threads, String weights, String compute, String load,
                        int maxContext, int batchSize) implements Serializable {

    public ModelSpec {
        if (checkpoint == null || checkpoint.isBlank()) {
            throw new IllegalArgumentException("the model path is not set (modelPath)");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("compute threads must be >= 0 (0: the physical cores), got " + threads);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        options(backend, threads, weights, compute, load, maxContext, batchSize); // the driver names a bad value
    }

    /** The library's options for this spec. The queue is unbounded in practice: tasks wait on results instead. */
    public Options options() {
        return options(backend, threads, weights, compute, load, maxContext, batchSize);
    }

    private static Options options(String backend, int threads, String weights, String compute, String load,
                                   int maxContext, int batchSize) {
        Options o = Options.defaults()
                .withBackend(Backend.parse(backend))
                .withThreads(threads)
                .withQuantization(Quantization.parse(weights, false))
                .withCompute(Compute.parse(compute))
                .withLoad(LoadMode.parse(load))
                .withMaxContext(maxContext);
        return o.withScheduler(o.scheduler().withMaxRunning(batchSize).withMaxQueued(1 << 20));
    }

    /** Loads the checkpoint (the caller owns the model). */
    PaliGemma open() {
        return PaliGemma.load(Path.of(checkpoint), options());
    }
}
