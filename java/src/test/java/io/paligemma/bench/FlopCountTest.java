package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.tensor.DType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * FLOPs of the tiny fixture config worked out by hand. Vision: N = 16 patches, D = 64, I = 128, 3×14×14
 * patches, 2 layers. Text: H = 64, 4 heads × 32 (q width 128), 1 KV head (32), I = 160, 3 layers,
 * V = 1088. Prompt: 16 image tokens + bos + 11 text = 28.
 */
class FlopCountTest {
    static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");
    final PaliGemmaConfig c = PaliGemmaConfig.read(TINY);

    @Test
    void visionTower() {
        double patch = 2.0 * 16 * 588 * 64;                 // 1 204 224
        double projections = 4 * (2.0 * 16 * 64 * 64);     //   524 288
        double attention = 2 * (2.0 * 16 * 16 * 64);       //    65 536
        double mlp = 2 * (2.0 * 16 * 64 * 128);             //   524 288
        assertEquals(3_432_448, patch + 2 * (projections + attention + mlp));
        assertEquals(3_432_448, FlopCount.vision(c.visionConfig(), 1));
        assertEquals(2 * 3_432_448, FlopCount.vision(c.visionConfig(), 2));
    }

    @Test
    void projector() {
        assertEquals(2.0 * 16 * 64 * 64, FlopCount.projector(c, 1)); // 131 072
    }

    @Test
    void prefillOf28Tokens() {
        double q = 2.0 * 28 * 64 * 128;
        double kv = 2 * (2.0 * 28 * 64 * 32);
        double o = 2.0 * 28 * 128 * 64;
        double attention = 4 * (2 * (2.0 * 28 * 28 * 32));  // 4 heads, q·kᵀ and p·v over 28 keys
        double mlp = 3 * (2.0 * 28 * 64 * 160);
        double head = 2.0 * 64 * 1088;                      // logits of the last row only
        double expected = 3 * (q + kv + o + attention + mlp) + head;
        assertEquals(9_945_088, expected);
        assertEquals(9_945_088, FlopCount.prefill(c.textConfig(), 28));
        assertEquals(3_432_448 + 131_072 + 9_945_088, FlopCount.timeToFirstToken(c, 28));
    }

    @Test
    void fourDecodeStepsAfter28() {
        // one row: projections 40 960 + MLP 61 440 per layer; attention 4 heads · 2 products · 2 · keys · 32;
        // the steps sit in slots 28..31 and attend to 29..32 keys
        double total = 0;
        for (int keys = 29; keys <= 32; keys++) {
            total += 3 * (40_960 + 61_440 + 4 * 2 * 2.0 * keys * 32) + 2.0 * 64 * 1088;
        }
        assertEquals(1_973_248, total);
        assertEquals(1_973_248, FlopCount.decode(c.textConfig(), 28, 4));
    }

    @Test
    void decodeWeightBytes() {
        // per layer q 64·128 + k, v 2·64·32 + o 128·64 + gate, up, down 3·64·160 = 51 200; head 64·1088
        assertEquals(4.0 * (3 * 51_200 + 64 * 1088), FlopCount.decodeWeightBytes(c.textConfig(), 4.0)); // 892 928
        assertEquals(2.0 * (3 * 51_200 + 64 * 1088), FlopCount.decodeWeightBytes(c.textConfig(), 2.0));
        // int8: a byte per weight and an F16 scale per 32 weights
        assertEquals(1.0625, FlopCount.bytesPerWeight(DType.Q8_0));
        assertEquals(1.0625 * (3 * 51_200 + 64 * 1088), FlopCount.decodeWeightBytes(c.textConfig(),
                FlopCount.bytesPerWeight(DType.Q8_0)));
        assertEquals(4.0, FlopCount.bytesPerWeight(DType.F32));
        assertEquals(2.0, FlopCount.bytesPerWeight(DType.BF16));
    }

    @Test
    void promptLayoutOfTheWorkload() {
        Workload w = Workload.of(c, 4, Workload.syntheticImage(32, 24));
        int[] ids = w.promptIds();
        assertEquals(28, ids.length);
        for (int i = 0; i < 16; i++) {
            assertEquals(c.imageTokenIndex(), ids[i]);
        }
        assertEquals(c.bosTokenId(), ids[16]);
        for (int i = 17; i < 28; i++) {
            int id = ids[i];
            assertEquals(true, id > 2 && id < c.imageTokenIndex(), "text id " + id + " is an ordinary token");
        }
    }
}
