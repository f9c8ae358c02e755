package io.paligemma.cli;

import io.paligemma.bench.OpProfile;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.ops.OpsProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Where the time goes, op by op, on each backend: one vision pass, one prefill and a few decode "
                + "steps with every op call timed (linear split by weight shape).")
final class ProfileCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "a Hugging Face PaliGemma checkpoint directory")
    Path model;

    @Option(names = "--preset", paramLabel = "NAME", description = "a published model shape with random weights (cached)")
    String preset;

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16|int8", defaultValue = "f32",
            description = "weights of the preset (int8: the bf16 preset quantized, written once like the others)")
    String dtype;

    @Option(names = "--backends", paramLabel = "native,java", split = ",", defaultValue = "native,java",
            description = "backends to profile, one after the other (default ${DEFAULT-VALUE})")
    List<String> backends;

    @Mixin
    IsaOption isa;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "compute threads (default: physical cores)")
    int threads;

    @Option(names = "--compute", paramLabel = "f32|bf16", defaultValue = "f32",
            description = "arithmetic of bf16-weight products on the native backend (default ${DEFAULT-VALUE})")
    String compute;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "268", description = "prefill length (default ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--decode-steps", paramLabel = "N", defaultValue = "8", description = "decode steps (default ${DEFAULT-VALUE})")
    int decodeSteps;

    @Override
    public Integer call() throws java.io.IOException {
        CheckpointArgs.requireOneOf(model, preset);
        Ranges.atLeast("--prompt-tokens", promptTokens, 1);
        Ranges.atLeast("--decode-steps", decodeSteps, 0);
        OpsProvider.threads(threads);
        Path dir = model != null ? CheckpointArgs.existing(model)
                : CheckpointArgs.preset(preset, CheckpointArgs.weights("--dtype", dtype));
        for (String b : backends) {
            OpProfile.run(dir, Backend.parse(b), threads, Compute.parse(compute), promptTokens, decodeSteps, System.out);
        }
        return 0;
    }
}
