package io.paligemma.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paligemma.generate.logits.LogitsProcessorList;
import io.paligemma.generate.logits.TopKLogitsWarper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The list a configuration builds: transformers 4.47 _get_logits_processor's order and conditions. */
class LogitsProcessorsTest {

    private static List<String> names(SamplingConfig c) {
        return LogitsProcessors.of(c, 1).names();
    }

    @Test
    void everyStepInHuggingFacesOrder() {
        assertEquals(List.of("RepetitionPenaltyLogitsProcessor", "TemperatureLogitsWarper", "TopKLogitsWarper",
                "TopPLogitsWarper", "MinPLogitsWarper"), names(new SamplingConfig(0.7f, 40, 0.9, 0.05f, 1.3f, 1)));
    }

    @Test
    void theNgramBanAndMinNewTokensGoBetweenThePenaltyAndTheWarpers() {
        SamplingConfig c = new SamplingConfig(0.7f, 40, 0.9, 0.05f, 1.3f, 1, 3);
        LogitsProcessorList list = LogitsProcessors.of(c, 20, 5, new int[] {1}, 1);
        assertEquals(List.of("RepetitionPenaltyLogitsProcessor", "NoRepeatNGramLogitsProcessor",
                "MinNewTokensLengthLogitsProcessor", "TemperatureLogitsWarper", "TopKLogitsWarper", "TopPLogitsWarper",
                "MinPLogitsWarper"), list.names());
        var minNew = (io.paligemma.generate.logits.MinNewTokensLengthLogitsProcessor) list.processors().get(2);
        assertEquals(20, minNew.promptLengthToSkip());
        assertEquals(5, minNew.minNewTokens());
        // greedy keeps the processors, min_new_tokens needs an eos id (HF: _eos_token_tensor is not None)
        assertEquals(List.of("NoRepeatNGramLogitsProcessor", "MinNewTokensLengthLogitsProcessor"),
                LogitsProcessors.of(SamplingConfig.GREEDY.withNoRepeatNgramSize(2), 20, 5, new int[] {1}, 1).names());
        assertEquals(List.of(), LogitsProcessors.of(SamplingConfig.GREEDY, 20, 5, new int[0], 1).names());
    }

    @Test
    void aStepIsAddedOnlyWhenItsSettingIsOn() {
        assertEquals(List.of(), names(new SamplingConfig(1f, 0, 1.0, 0f, 1)));            // temperature 1 adds nothing
        assertEquals(List.of("TopPLogitsWarper"), names(new SamplingConfig(1f, 0, 0.9, 0f, 1)));
        assertEquals(List.of("TemperatureLogitsWarper", "MinPLogitsWarper"), names(new SamplingConfig(1.5f, 0, 1.0, 0.1f, 1)));
    }

    @Test
    void greedyDecodingRunsTheProcessorsButNoWarper() {
        assertEquals(List.of(), names(SamplingConfig.GREEDY));
        assertEquals(List.of(), names(new SamplingConfig(0f, 40, 0.9, 0.1f, 1)));
        assertEquals(List.of("RepetitionPenaltyLogitsProcessor"), names(SamplingConfig.GREEDY.withRepetitionPenalty(1.5f)));
    }

    @Test
    void huggingFaceDoSampleDefaultsAreTopK50Alone() {
        LogitsProcessorList list = LogitsProcessors.of(SamplingConfig.huggingFaceDefaults(0), 1);
        assertEquals(List.of("TopKLogitsWarper"), list.names());
        assertEquals(50, ((TopKLogitsWarper) list.processors().get(0)).topK());
    }

    @Test
    void minTokensToKeepReachesTheFilters() {
        LogitsProcessorList list = LogitsProcessors.of(new SamplingConfig(1f, 1, 1.0, 0f, 1), 2);
        assertEquals(2, ((TopKLogitsWarper) list.processors().get(0)).topK());   // beam sampling keeps 2
    }
}
