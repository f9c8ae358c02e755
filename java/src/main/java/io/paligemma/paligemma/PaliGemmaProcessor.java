package io.paligemma.paligemma;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.ResizeMethod;
import io.paligemma.image.RgbImage;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.tokenizer.Tokenizer;
import io.paligemma.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * PaliGemmaProcessor (transformers' name): a checkpoint's image processor and tokenizer, and the prompt
 * layout the model was trained with, {@code <image>×N, <bos>, tokens(prompt + "\n")}, the whole of it the
 * bidirectional prefix. Everything a request needs before the model runs comes from here.
 */
public final class PaliGemmaProcessor {
    private final PaliGemmaConfig config;
    private final SiglipImageProcessor imageProcessor;
    private final Tokenizer tokenizer; // null: prompts arrive as ids

    /** @param tokenizer null when prompts are given as token ids only (the fixtures) */
    public PaliGemmaProcessor(PaliGemmaConfig config, SiglipImageProcessor imageProcessor, Tokenizer tokenizer) {
        this.config = config;
        this.imageProcessor = imageProcessor;
        this.tokenizer = tokenizer;
        int s = config.visionConfig().imageSize();
        if (imageProcessor.doResize() && (imageProcessor.height() != s || imageProcessor.width() != s)) {
            throw new IllegalArgumentException(SiglipImageProcessor.CONFIG_FILE + " resizes to " + imageProcessor.width() + "x"
                    + imageProcessor.height() + " but the vision tower takes " + s + "x" + s);
        }
    }

    /** The image processor of {@code preprocessor_config.json} (transformers' defaults without one) and the tokenizer. */
    public static PaliGemmaProcessor fromPretrained(Path directory, PaliGemmaConfig config) {
        SiglipImageProcessor images = imageProcessor(directory);
        Tokenizer tokenizer = Tokenizers.forCheckpoint(directory);
        try {
            return new PaliGemmaProcessor(config, images, tokenizer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(directory + ": " + e.getMessage(), e); // which checkpoint disagrees
        }
    }

    /** The image processor of a checkpoint directory: its preprocessor_config.json, or transformers' defaults. */
    public static SiglipImageProcessor imageProcessor(Path directory) {
        try {
            return Files.isRegularFile(directory.resolve(SiglipImageProcessor.CONFIG_FILE))
                    ? SiglipImageProcessor.fromPretrained(directory) : SiglipImageProcessor.defaults();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public PaliGemmaProcessor withResizeMethod(ResizeMethod method) {
        return new PaliGemmaProcessor(config, imageProcessor.withResizeMethod(method), tokenizer);
    }

    public SiglipImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /** The tokenizer, or null when this processor takes prompts as ids only. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** pixel_values [3, S, S] of one picture, the size the vision tower takes. */
    public float[] pixelValues(RgbImage image) {
        float[] pixels = imageProcessor.preprocess(image);
        int s = config.visionConfig().imageSize();
        long want = (long) config.visionConfig().numChannels() * s * s;
        if (pixels.length != want) {
            throw new IllegalArgumentException("the picture is " + image.width() + "x" + image.height() + " after preprocessing "
                    + "(do_resize is off); the vision tower takes " + s + "x" + s);
        }
        return pixels;
    }

    /** input_ids of a prompt: {@code <image>×N, <bos>, tokens(prompt + "\n")}. */
    public int[] inputIds(String prompt) {
        if (tokenizer == null) {
            throw new IllegalStateException("this processor has no tokenizer: give the prompt as token ids");
        }
        int n = config.numImageTokens();
        int[] text = tokenizer.encode(prompt + "\n");
        int[] ids = new int[n + 1 + text.length];
        java.util.Arrays.fill(ids, 0, n, config.imageTokenIndex());
        ids[n] = config.bosTokenId();
        System.arraycopy(text, 0, ids, n + 1, text.length);
        return ids;
    }

    /** Checks that ids given directly hold exactly one picture's image tokens. */
    public void checkInputIds(int[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        long images = java.util.Arrays.stream(ids).filter(id -> id == config.imageTokenIndex()).count();
        if (images != config.numImageTokens()) {
            throw new IllegalArgumentException("the prompt has " + images + " image tokens; this model takes exactly "
                    + config.numImageTokens());
        }
    }
}
