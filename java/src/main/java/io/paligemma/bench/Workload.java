package io.paligemma.bench;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.RgbImage;
import java.util.Arrays;

/**
 * One request of the bench: the processor's prompt layout {@code <image>×N, <bos>, text, "\n"} with a
 * fixed number of text tokens, one picture, and a fixed number of decode tokens (greedy, EOS ignored, so
 * every run does the same work whatever the weights say).
 *
 * @param promptIds    image tokens + bos + {@link #TEXT_TOKENS} text ids
 * @param decodeTokens decode steps timed after the first token
 * @param image        the decoded picture that preprocessing resizes
 */
public record Workload(int[] promptIds, int decodeTokens, RgbImage image) {

    /** A short instruction and its "\n": 11 tokens, so a 224-px model's prompt has 256 + 1 + 11 = 268. */
    public static final int TEXT_TOKENS = 11;

    public Workload {
        if (decodeTokens < 1) {
            throw new IllegalArgumentException("decode tokens must be >= 1, got " + decodeTokens);
        }
        promptIds = promptIds.clone();
    }

    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }

    public int promptTokens() {
        return promptIds.length;
    }

    /**
     * The prompt for a config. The text ids are fixed stand-ins, spread over the ordinary vocabulary below
     * the image token: which ids they are changes no shape and so no timing.
     */
    public static Workload of(PaliGemmaConfig c, int decodeTokens, RgbImage image) {
        int n = c.numImageTokens();
        int[] ids = new int[n + 1 + TEXT_TOKENS];
        Arrays.fill(ids, 0, n, c.imageTokenIndex());
        ids[n] = c.bosTokenId();
        int ordinary = Math.min(c.imageTokenIndex(), c.textConfig().vocabSize()) - 3; // above pad/eos/bos
        for (int i = 0; i < TEXT_TOKENS; i++) {
            ids[n + 1 + i] = 3 + (int) ((1000L + 7919L * i) % ordinary);
        }
        return new Workload(ids, decodeTokens, image);
    }

    /** A camera-sized stand-in picture (smooth gradients plus noise, deterministic) when no file is given. */
    public static RgbImage syntheticImage(int width, int height) {
        return syntheticImage(width, height, 0);
    }

    /** Another stand-in picture for each seed (the noise differs): distinct pictures, distinct image features. */
    public static RgbImage syntheticImage(int width, int height, long seed) {
        byte[] rgb = new byte[width * height * 3];
        long state = 0x2545F4914F6CDD1DL ^ (seed * 0x9E3779B97F4A7C15L);
        if (state == 0) {
            state = 1;                            // xorshift's one fixed point
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                int noise = (int) (state & 31) - 16;
                int i = (y * width + x) * 3;
                rgb[i] = (byte) clamp(255 * x / width + noise);
                rgb[i + 1] = (byte) clamp(255 * y / height + noise);
                rgb[i + 2] = (byte) clamp(128 + noise * 4);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
