package io.paligemma.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma.fuzz.Clear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the picture front ends: {@link ImageDecoder} on each format (one target per format so that each
 * starts from its own seeds; the decoder sniffs the format from the bytes, so any target may reach any
 * reader) with the pixel limit, and {@code preprocessor_config.json}. A picture either decodes to an image
 * within the limit, whose every pixel the preprocessor then reads, or fails with an {@link ImageException}
 * naming the input in one line. Seeds: {@code ImageFuzzTestInputs/<target>} ({@link io.paligemma.fuzz.SeedCorpus}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImageFuzzTest {

    /** 2^22 pixels (a 2048 x 2048 picture): small enough that a fuzzing JVM's heap never runs out below it. */
    private static final long MAX_PIXELS = 1L << 22;
    private static final String NAME = "fuzz-input";
    private static final ImageDecoder DECODER = new ImageDecoder(MAX_PIXELS);
    private static final SiglipImageProcessor PROCESSOR = SiglipImageProcessor.defaults();
    private static final Path CONFIG = Clear.scratchDirectory("pg-fuzz-image-").resolve(SiglipImageProcessor.CONFIG_FILE);

    @FuzzTest
    void png(byte[] input) {
        decode(input);
    }

    @FuzzTest
    void jpeg(byte[] input) {
        decode(input);
    }

    @FuzzTest
    void gif(byte[] input) {
        decode(input);
    }

    @FuzzTest
    void bmp(byte[] input) {
        decode(input);
    }

    @FuzzTest
    void webp(byte[] input) {
        decode(input);
    }

    private static void decode(byte[] input) {
        RgbImage image;
        try {
            image = DECODER.read(input, NAME);
        } catch (ImageException e) {
            Clear.message(e, NAME);
            return;
        }
        long pixels = (long) image.width() * image.height();
        if (image.width() <= 0 || image.height() <= 0 || pixels > MAX_PIXELS || image.rgb().length != 3 * pixels) {
            throw new AssertionError("decoded " + image.width() + "x" + image.height() + " with " + image.rgb().length
                    + " bytes, limit " + MAX_PIXELS + " pixels");
        }
        if (pixels <= 1 << 16) {
            PROCESSOR.preprocess(image); // the Pillow resize reads every pixel of odd sizes such as 1 x N
        }
    }

    @FuzzTest
    void preprocessorConfig(byte[] input) {
        Clear.write(CONFIG, input);
        SiglipImageProcessor p;
        try {
            p = SiglipImageProcessor.fromConfigFile(CONFIG);
        } catch (IOException | IllegalArgumentException e) {
            Clear.message(e, CONFIG.toString());
            return;
        }
        // pixel_values [3, height, width] must fit a Java float[] (and the model checks the size against its own)
        if (p.doResize() && (p.height() <= 0 || p.width() <= 0 || 3L * p.height() * p.width() > Integer.MAX_VALUE - 8)) {
            throw new AssertionError("accepted size " + p.height() + "x" + p.width() + ": " + p);
        }
    }
}
