package io.paligemma.cli;

import io.paligemma.bench.PresetCache;
import io.paligemma.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** How the commands read their checkpoint options (--model DIR, --preset NAME, a weight type): one set of checks. */
final class CheckpointArgs {
    private CheckpointArgs() {
    }

    /** bench and profile take exactly one of --model and --preset. */
    static void requireOneOf(Path model, String preset) {
        if ((model == null) == (preset == null)) {
            throw new IllegalArgumentException("give either --model DIR or --preset NAME");
        }
    }

    /** model, once it is known to be a directory. */
    static Path existing(Path model) {
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("model directory " + model + " does not exist");
        }
        return model;
    }

    /**
     * The weight type a preset checkpoint is written in, as {@code option} spells it: f32, bf16, f16, or
     * int8 (also q8_0) for {@link DType#Q8_0}, the bf16 preset quantized ({@link PresetCache#ensure}).
     */
    static DType weights(String option, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "float16" -> DType.F16;
            case "int8", "q8_0" -> DType.Q8_0;
            default -> throw new IllegalArgumentException(option + " takes f32, bf16, f16 or int8, not " + value);
        };
    }

    /** The cached random-weight checkpoint of a preset, written on first use. */
    static Path preset(String name, DType weights) throws IOException {
        return PresetCache.standard().ensure(name, weights, new ConsoleProgress());
    }
}
