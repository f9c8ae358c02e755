package io.paligemma.cli;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.image.ResizeMethod;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.safetensors.LoadMode;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --model plus the backend flags: how a command loads a checkpoint. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR", description = "a Hugging Face PaliGemma checkpoint directory")
    Path model;

    @Option(names = "--max-context", paramLabel = "N", defaultValue = "0",
            description = "tokens per sequence (default: image tokens + 512)")
    int maxContext;

    @Option(names = "--resize", paramLabel = "bicubic|bilinear-aa", defaultValue = "bicubic",
            description = "image resampling: Pillow bicubic as Hugging Face (default) or big_vision's antialiased bilinear")
    String resize;

    @Option(names = "--weights", paramLabel = "stored|int8", defaultValue = "stored",
            description = "stored: the checkpoint's own precision (default); int8: quantize the language model's "
                    + "float matrices to int8 (Q8_0, blocks of 32) as they load.")
    String weights;

    @Option(names = "--quantize-vision", description = "with --weights int8: quantize the vision tower and projector too "
            + "(off by default: int8 SigLIP features are reported to hurt OCR)")
    boolean quantizeVision;

    @Option(names = "--load", paramLabel = "mmap|copy", defaultValue = "mmap",
            description = "mmap: map the weights (default: instant, shared page cache; the files must not change while "
                    + "loaded); copy: read them into memory (slower to load, immune to the files changing).")
    String load;

    @Mixin
    BackendOptions backend;

    @Mixin
    SchedulerFlags scheduler;

    PaliGemma load() {
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        ResizeMethod r = switch (resize) {
            case "bicubic" -> ResizeMethod.BICUBIC_PIL;
            case "bilinear-aa" -> ResizeMethod.BILINEAR_ANTIALIAS;
            default -> throw new IllegalArgumentException("--resize must be bicubic or bilinear-aa, not " + resize);
        };
        Options o = Options.defaults().withBackend(Backend.parse(backend.backend)).withThreads(backend.threads)
                .withMaxContext(maxContext).withResize(r).withQuantization(Quantization.parse(weights, quantizeVision))
                .withCompute(Compute.parse(backend.compute)).withLoad(LoadMode.parse(load)).withScheduler(scheduler.options());
        return PaliGemma.load(model, o); // which names a missing directory
    }
}
