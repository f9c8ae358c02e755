package io.paligemma.paligemma;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.nn.Probe;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.siglip.VisionWorkspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/** Prefill logits of a model on a fixture case's pixel_values and input_ids (test helper). */
final class PrefillProbe {
    private PrefillProbe() {
    }

    static float[] logits(PaliGemmaForConditionalGeneration model, Path caseDir) {
        try (SafetensorsFile e = SafetensorsFile.open(caseDir.resolve("expected.safetensors"));
             VisionWorkspace vws = model.newVisionWorkspace(1);
             Arena arena = Arena.ofShared()) {
            int[] ids = Arrays.stream(e.tensor("input_ids").data().toArray(ValueLayout.JAVA_LONG)).mapToInt(Math::toIntExact)
                    .toArray();
            var c = model.config();
            MemorySegment pixels = arena.allocate(e.tensor("pixel_values").data().byteSize(), 64).copyFrom(e.tensor("pixel_values").data());
            MemorySegment features = arena.allocate((long) c.numImageTokens() * c.projectionDim() * 4, 64);
            model.imageFeatures(pixels, 1, vws, features, Probe.NONE);
            try (DecoderWorkspace ws = model.newDecoderWorkspace(ids.length, ids.length, ids.length)) {
                model.embed(ids, 0, ids.length, features, 0, ws);
                model.languageModel().forward(ws, 0, ids.length, ids.length, ids.length, Probe.NONE);
                return ws.logits().asSlice(0, (long) ids.length * c.textConfig().vocabSize() * 4).toArray(ValueLayout.JAVA_FLOAT);
            }
        }
    }
}
