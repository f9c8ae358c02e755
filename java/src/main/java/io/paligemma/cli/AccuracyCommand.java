package io.paligemma.cli;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.bench.Workload;
import io.paligemma.conformance.Accuracy;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.ops.OpsProvider;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = {"Measure a reduced precision (--weights int8, --compute bf16, or both) against the checkpoint's own "
                + "weights with f32 compute on one request: the reference decodes greedily, the reduced precision decodes "
                + "the same tokens, and the logits of every step are compared (largest |Δ logit| relative to the largest "
                + "logit, top-1 agreement, mean KL divergence)."})
final class AccuracyCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", required = true, description = "a checkpoint in float weights")
    Path model;

    @Option(names = "--image", paramLabel = "FILE", description = "the picture (default: a synthetic 640x480 one)")
    Path image;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "caption en", description = "default: ${DEFAULT-VALUE}")
    String prompt;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "32", description = "decode steps compared (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--weights", paramLabel = "stored|int8", defaultValue = "int8",
            description = "the weights under test (default ${DEFAULT-VALUE})")
    String weights;

    @Option(names = "--quantize-vision", description = "quantize the vision tower and projector too")
    boolean quantizeVision;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws ImageException {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        RgbImage picture = image == null ? Workload.syntheticImage(640, 480) : new ImageDecoder().read(image);
        int[] ids;
        try (PaliGemma api = PaliGemma.load(CheckpointArgs.existing(model), Options.defaults().withBackend(Backend.JAVA)
                .withThreads(1).withMaxContext(0))) {
            ids = api.promptIds(prompt);
        }
        Quantization q = Quantization.parse(weights, quantizeVision);
        Compute compute = Compute.parse(backend.compute);
        if (!q.int8() && compute == Compute.F32) {
            throw new IllegalArgumentException("nothing to compare: give --weights int8 and/or --compute bf16");
        }
        Backend b = Backend.parse(backend.backend);
        try (OpsProvider reference = OpsProvider.open(b, backend.threads);
             OpsProvider test = OpsProvider.open(b, backend.threads, compute)) {
            Accuracy.Result r = Accuracy.compare(model, reference.ops(), test.ops(), q, picture, ids, steps);
            System.out.printf(Locale.ROOT, "%s: %s weights, %s compute vs stored weights, f32 compute; %d prompt tokens, "
                    + "%d steps (%s backend)%n", model, q.describe(), compute.id(), ids.length, steps, b.id());
            System.out.printf(Locale.ROOT, "max |Δ logit| / max |logit|: %.4f%n", r.metrics().maxRelError());
            System.out.printf(Locale.ROOT, "top-1 agreement:             %d/%d = %.3f%n", r.metrics().agreeing(),
                    r.metrics().rows(), r.metrics().agreement());
            System.out.printf(Locale.ROOT, "mean KL(reference || test):  %.3e nats%n", r.metrics().meanKl());
        }
        return 0;
    }
}
