package io.paligemma.cli;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.paligemma.RandomCheckpoint;
import io.paligemma.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "make-random", mixinStandardHelpOptions = true,
        description = {"Write a checkpoint with random weights and the real shapes of a published model (for benchmarks "
                + "and memory tests; its answers are noise), with a synthetic tokenizer of the real size and special-token "
                + "ids, so generate, detect and segment can load it.",
                "Presets: paligemma-3b-224|448|896, paligemma2-3b-224|448|896, paligemma2-10b-224|448|896, "
                        + "paligemma2-28b-224|448|896 (also with -pt-, e.g. paligemma-3b-pt-224)."})
final class MakeRandomCommand implements Callable<Integer> {
    @Option(names = "--preset", paramLabel = "NAME", required = true, description = "the model shape")
    String preset;

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16", defaultValue = "f32", description = "weight type (default ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the checkpoint directory to write")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed")
    long seed;

    @Override
    public Integer call() throws IOException {
        DType d = CheckpointArgs.weights("--dtype", dtype);
        if (d == DType.Q8_0) {
            throw new IllegalArgumentException("make-random cannot write int8 weights: write bf16 (or f32) with "
                    + "--dtype bf16 --out DIR, then run `paligemma quantize --model DIR --out DIR2` for the int8 checkpoint DIR2");
        }
        String config = RandomCheckpoint.presetConfig(preset);
        if (Files.exists(out.resolve("config.json"))) {
            throw new IllegalArgumentException(out + " already holds a checkpoint; choose another --out");
        }
        Path tmpCfg = Files.createTempFile("preset", ".json");
        long total;
        try {
            Files.writeString(tmpCfg, config);
            total = RandomCheckpoint.totalBytes(PaliGemmaConfig.read(tmpCfg), d);
        } finally {
            Files.deleteIfExists(tmpCfg);
        }
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("writing " + preset + " " + dtype)
                .setInitialMax(total / (1 << 20)).setUnit(" MiB", 1).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
            RandomCheckpoint.write(config, d, out, seed, bytes -> bar.stepTo(bytes >> 20));
        }
        System.out.println(out);
        return 0;
    }
}
