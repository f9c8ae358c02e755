package io.paligemma.cli;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.image.ResizeMethod;
import io.paligemma.ops.Backend;
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

    @Mixin
    BackendOptions backend;

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
                .withMaxContext(maxContext).withResize(r);
        return PaliGemma.load(model, o); // which names a missing directory
    }
}
