package io.paligemma.conformance;

import io.paligemma.image.RgbImage;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Ops;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reduced precision against the checkpoint's own, on any checkpoint (a full-size one has no fixture):
 * the stored weights with float32 compute decode greedily, then the test configuration (int8 weights,
 * and/or the test ops, e.g. bf16 compute) decodes the same tokens (teacher forcing), and the two sets of
 * logits (the prompt's last row and every step) are compared with {@link LogitMetrics}. The two models
 * load one after the other, so only one is mapped at a time.
 */
public final class Accuracy {

    /** The metrics of one comparison, the reference's greedy tokens and the test's argmax at each step. */
    public record Result(LogitMetrics metrics, long[] referenceTokens, long[] testTokens) {
    }

    private Accuracy() {
    }

    public static Result compare(Path checkpoint, Ops referenceOps, Ops testOps, Quantization quantization, RgbImage image,
                                 int[] ids, int steps) {
        float[] pixels;
        try {
            pixels = (Files.isRegularFile(checkpoint.resolve(SiglipImageProcessor.CONFIG_FILE))
                    ? SiglipImageProcessor.fromPretrained(checkpoint) : SiglipImageProcessor.defaults()).preprocess(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LogitsTrace reference;
        try (var model = PaliGemmaForConditionalGeneration.load(checkpoint, referenceOps)) {
            reference = LogitsTrace.run(model, pixels, ids, 1, null, steps);
        }
        LogitsTrace test;
        try (var model = PaliGemmaForConditionalGeneration.load(checkpoint, testOps, quantization)) {
            test = LogitsTrace.run(model, pixels, ids, 1, reference.tokens(), steps);
        }
        int v = reference.steps().length / steps;
        return new Result(LogitMetrics.of(test.steps(), reference.steps(), v), reference.tokens(), test.tokens());
    }
}
