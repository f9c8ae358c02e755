package io.paligemma.jmh;

/** PaliGemma-3B-224 (java/src/main/resources/presets/paligemma-3b-pt-224.json): the shapes the benchmarks use. */
final class Shapes {
    private Shapes() {
    }

    /** Prompt tokens: 256 image tokens + bos + 11 text tokens. */
    static final int PROMPT = 268;

    // text_config (Gemma 2B)
    static final int HIDDEN = 2048;
    static final int HEADS = 8;
    static final int KV_HEADS = 1;
    static final int HEAD_DIM = 256;
    static final int INTERMEDIATE = 16384;
    static final int VOCAB = 257152;

    // vision_config (SigLIP So400m/14 at 224 px)
    static final int PATCHES = 256;
    static final int VISION_HIDDEN = 1152;
    static final int VISION_INTERMEDIATE = 4304;
}
