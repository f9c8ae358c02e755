package io.paligemma.cli;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** --max-tokens and the sampling flags, shared by generate, detect and segment. */
final class SamplingOptions {
    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64", description = "most tokens to generate (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "sampling temperature; 0 = greedy (default ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "keep the K most likely tokens (0 = off)")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "nucleus sampling mass (1 = off)")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0", description = "drop tokens below P × the top probability (0 = off)")
    float minP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "random seed; the same seed gives the same output")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when the output contains TEXT (repeatable)")
    List<String> stops = new ArrayList<>();

    GenerationConfig config() {
        return new GenerationConfig(maxTokens, new SamplingConfig(temperature, topK, topP, minP, seed), true, stops);
    }
}
