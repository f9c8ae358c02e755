package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The image token outside the prompt (a decode step) is an ordinary embedding row, as in transformers. */
class EmbedImageTokenTest {
    static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");

    @Test
    void imageTokenWithoutFeaturesIsItsEmbeddingRow() {
        try (OpsProvider p = OpsProvider.open(Backend.NATIVE, 1);
             var model = PaliGemmaForConditionalGeneration.load(TINY, p.ops());
             DecoderWorkspace ws = model.newDecoderWorkspace(4, 8, 1);
             SafetensorsFile f = SafetensorsFile.open(TINY.resolve("model.safetensors"))) {
            int id = model.config().imageTokenIndex();
            int h = model.config().textConfig().hiddenSize();
            model.embed(new int[] {id}, 0, 1, null, 0, ws);
            Tensor table = f.tensor("language_model.model.embed_tokens.weight"); // F32 in this fixture
            float[] expected = table.data().asSlice((long) id * h * Float.BYTES, (long) h * Float.BYTES)
                    .toArray(ValueLayout.JAVA_FLOAT);
            float[] got = ws.inputs().row(0).toArray();
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void moreImageTokensThanFeatureRowsIsAnError() {
        try (OpsProvider p = OpsProvider.open(Backend.NATIVE, 1);
             var model = PaliGemmaForConditionalGeneration.load(TINY, p.ops());
             DecoderWorkspace ws = model.newDecoderWorkspace(4, 8, 1);
             Arena arena = Arena.ofConfined()) {
            int id = model.config().imageTokenIndex();
            FloatMatrix oneRow = FloatMatrix.of(arena.allocate((long) model.config().projectionDim() * Float.BYTES), 1,
                    model.config().projectionDim());
            assertThrows(IllegalArgumentException.class,
                    () -> model.embed(new int[] {id, id}, 0, 2, oneRow, 0, ws));
        }
    }
}
