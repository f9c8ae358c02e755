package io.paligemma.cli;

import io.paligemma.generate.BeamSearchConfig;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * --max-tokens, the sampling flags, the beam-search flags and --logprobs of generate. Every filter is off unless given: unlike Hugging
 * Face's generate(do_sample=True), sampling applies no top-k 50 by itself (--top-k 50 does).
 */
final class SamplingOptions {
    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64", description = "most tokens to generate (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "sampling temperature; 0 = greedy (default ${DEFAULT-VALUE}). Sampling applies only the filters "
                    + "given: Hugging Face's do_sample=True defaults are --temperature 1 --top-k 50")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "keep the tokens scoring at least the K-th largest score (0 = off)")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1",
            description = "nucleus: keep the most likely tokens until their mass reaches P (1 = off)")
    double topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0", description = "drop tokens below P × the top probability (0 = off)")
    float minP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1",
            description = "Hugging Face's repetition_penalty: logits of tokens already in the sequence (prompt included) "
                    + "are divided by R when positive, multiplied when negative; also with greedy decoding (1 = off)")
    float repetitionPenalty;

    @Option(names = "--no-repeat-ngram-size", paramLabel = "N", defaultValue = "0",
            description = "Hugging Face's no_repeat_ngram_size: a token that would repeat an N-gram of the sequence "
                    + "(prompt included) is banned; with greedy decoding, sampling and beams (0 = off)")
    int noRepeatNgramSize;

    @Option(names = "--min-new-tokens", paramLabel = "N", defaultValue = "0",
            description = "Hugging Face's min_new_tokens: the end-of-sequence token is banned until N tokens are generated (0 = off)")
    int minNewTokens;

    @Option(names = "--beams", paramLabel = "N", defaultValue = "1",
            description = "beam search with N beams, as Hugging Face's num_beams (1 = off; with --temperature 0). The N "
                    + "beams are decoded together, one batched step per token; the answer is printed when the search ends")
    int beams;

    @Option(names = "--num-return", paramLabel = "N", defaultValue = "1",
            description = "with --beams: return the N best hypotheses (Hugging Face's num_return_sequences, 1 to --beams), "
                    + "printed as a JSON line after the best one's text")
    int numReturn;

    @Option(names = "--length-penalty", paramLabel = "P", defaultValue = "1",
            description = "with --beams: a hypothesis scores its summed log-probability / new tokens ** P (Hugging Face's "
                    + "length_penalty; > 0 favours longer answers, < 0 shorter; default ${DEFAULT-VALUE})")
    double lengthPenalty;

    @Option(names = "--early-stopping", paramLabel = "true|false|never", defaultValue = "false",
            description = "with --beams, Hugging Face's early_stopping: true ends once N hypotheses are finished; false "
                    + "(default) also once the best running beam cannot beat them at its current length; never only "
                    + "when no beam can beat them")
    String earlyStopping;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "random seed; the same seed gives the same output")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when the output contains TEXT (repeatable)")
    List<String> stops = new ArrayList<>();

    @Option(names = "--logprobs", paramLabel = "N",
            description = "print each generated token's log-probability and the N most likely tokens at its step (0 to "
                    + GenerationConfig.MAX_TOP_LOGPROBS + "), from the distribution the token was chosen from; as a JSON "
                    + "line after the text, or a \"logprobs\" field of each batch line")
    Integer logprobs;

    GenerationConfig config() {
        if (logprobs != null && (logprobs < 0 || logprobs > GenerationConfig.MAX_TOP_LOGPROBS)) {
            throw new IllegalArgumentException("--logprobs must be in [0, " + GenerationConfig.MAX_TOP_LOGPROBS + "], got "
                    + logprobs);
        }
        SamplingConfig s = new SamplingConfig(temperature, topK, topP, minP, repetitionPenalty, seed, noRepeatNgramSize);
        BeamSearchConfig b = new BeamSearchConfig(beams, numReturn, lengthPenalty, BeamSearchConfig.EarlyStopping.parse(earlyStopping));
        GenerationConfig c = new GenerationConfig(maxTokens, s, true, stops).withMinNewTokens(minNewTokens).withBeams(b);
        return logprobs == null ? c : c.withLogprobs(logprobs);
    }
}
