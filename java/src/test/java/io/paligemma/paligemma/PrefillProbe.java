package io.paligemma.paligemma;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.Sampler;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.nn.Probe;
import io.paligemma.safetensors.SafetensorsFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Prefill logits of a model on a fixture case's pixel_values and input_ids (test helper). */
final class PrefillProbe {
    private PrefillProbe() {
    }

    static float[] logits(PaliGemmaForConditionalGeneration model, Path caseDir) {
        try (SafetensorsFile e = SafetensorsFile.open(caseDir.resolve("expected.safetensors"))) {
            int[] ids = Arrays.stream(e.tensor("input_ids").data().toArray(ValueLayout.JAVA_LONG)).mapToInt(Math::toIntExact)
                    .toArray();
            float[] pixels = e.tensor("pixel_values").data().toArray(ValueLayout.JAVA_FLOAT);
            GenerationConfig one = new GenerationConfig(1, SamplingConfig.GREEDY, false, List.of());
            try (PromptWorkspace ws = new PromptWorkspace(model, ids.length, ids.length, ids.length);
                 Sequence seq = new Sequence(model, pixels, ids, ids.length, one, Sequence.Goal.TOKENS,
                         new Sampler(one.sampling()), TokenListener.NONE)) {
                new Prefill(model, seq, ws, Probe.NONE, ids.length).runToEnd();
                return ws.decoder().logits().toArray();
            }
        }
    }
}
