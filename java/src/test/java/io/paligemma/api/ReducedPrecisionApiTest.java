package io.paligemma.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.ops.KernelIsa;
import io.paligemma.paligemma.QuantizedCheckpoint;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** int8 weights and bf16 compute through the public API, on the bundled demo checkpoint. */
class ReducedPrecisionApiTest {
    static final Path DEMO = PaliGemmaApiTest.DEMO;

    @Test
    void int8CheckpointWrittenByQuantizeAnswersLikeQuantizingAtLoad(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("int8");
        int tensors = QuantizedCheckpoint.write(DEMO.resolve("checkpoint"), out, Quantization.INT8, b -> { });
        try (Checkpoint c = Checkpoint.open(out)) {
            assertEquals(tensors, c.names().size());
            assertTrue(c.names().stream().anyMatch(n -> n.endsWith(".q8_scale")), "scale tensors written");
            assertTrue(c.names().stream().filter(n -> n.startsWith("vision_tower.") || n.startsWith("model.vision_tower."))
                    .noneMatch(n -> c.tensor(n).dtype() == DType.I8), "the vision tower stays as stored");
            assertEquals("q8_0", c.files().get(0).metadata().get("paligemma_ffm.quantization"));
        }
        RgbImage picture = new ImageDecoder().read(DEMO.resolve("image.png"));
        for (Backend b : Backend.values()) {
            try (PaliGemma atLoad = PaliGemma.load(DEMO.resolve("checkpoint"),
                    Options.defaults().withThreads(1).withBackend(b).withQuantization(Quantization.INT8));
                 PaliGemma stored = PaliGemma.load(out, Options.defaults().withThreads(1).withBackend(b))) {
                Result x = atLoad.generate(picture, "caption en", GenerationConfig.greedy(12));
                Result y = stored.generate(picture, "caption en", GenerationConfig.greedy(12));
                assertTrue(x.tokenIds().length > 0);
                assertArrayEquals(x.tokenIds(), y.tokenIds(), b + ": the same int8 weights, the same answer");
            }
        }
    }

    @Test
    void int8BatchedAnswersEqualSingleOnes() throws Exception {
        List<RgbImage> pictures = List.of(new ImageDecoder().read(DEMO.resolve("image.png")),
                new ImageDecoder().read(PaliGemmaApiTest.FIXTURES.resolve("paligemma2-tiny/image2.png")));
        List<String> prompts = List.of("caption en", "answer en what is in the picture?");
        for (Backend b : Backend.values()) {
            try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1).withBackend(b)
                    .withQuantization(new Quantization(true, true)))) {
                List<Result> batch = m.generateBatch(pictures, prompts, GenerationConfig.greedy(10));
                for (int i = 0; i < pictures.size(); i++) {
                    assertArrayEquals(m.generate(pictures.get(i), prompts.get(i), GenerationConfig.greedy(10)).tokenIds(),
                            batch.get(i).tokenIds(), b + " request " + i);
                }
            }
        }
    }

    @Test
    void bf16ComputeIsANativeModeThatNeedsBf16Hardware() {
        Options bf16 = Options.defaults().withThreads(1).withCompute(Compute.BF16);
        IllegalArgumentException java = assertThrows(IllegalArgumentException.class,
                () -> PaliGemma.load(DEMO.resolve("checkpoint"), bf16.withBackend(Backend.JAVA)));
        assertTrue(java.getMessage().contains("native backend"), java.getMessage());
        if (KernelIsa.supported() == KernelIsa.AVX512) {
            KernelIsa.cap(KernelIsa.AVX2);
            try {
                IllegalArgumentException capped = assertThrows(IllegalArgumentException.class,
                        () -> PaliGemma.load(DEMO.resolve("checkpoint"), bf16));
                assertTrue(capped.getMessage().contains("f32 compute"), capped.getMessage());
            } finally {
                KernelIsa.uncap();
            }
        } else {
            assertThrows(IllegalArgumentException.class, () -> PaliGemma.load(DEMO.resolve("checkpoint"), bf16),
                    "no AVX-512 here: no bf16 unit");
        }
        assertThrows(IllegalArgumentException.class, () -> Quantization.parse("stored", true), "vision needs int8");
        assertThrows(IllegalArgumentException.class, () -> Compute.parse("fp8"));
    }
}
