package io.paligemma.cli;

import io.paligemma.detect.Annotator;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.Segmentation;
import io.paligemma.detect.VqVaeMaskDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** What parse, detect and segment share: decoding masks when weights are given, drawing the result. */
final class ObjectsOutput {
    private ObjectsOutput() {
    }

    /** Decodes segmentation masks with the VQ-VAE weights, or notes on stderr why they were not decoded. */
    /**
     * The mask decoder of --seg-weights, read and validated before any other work, so a missing or broken
     * file is an error even when the answer turns out to have no masks; null without the option.
     */
    static VqVaeMaskDecoder maskDecoder(Path segWeights) throws IOException {
        return segWeights == null ? null : VqVaeMaskDecoder.load(segWeights);
    }

    static ParseResult decodeMasks(ParseResult result, VqVaeMaskDecoder decoder, PrintWriter stderr) {
        boolean hasSegments = result.objects().stream().anyMatch(Segmentation.class::isInstance);
        if (hasSegments && decoder != null) {
            return decoder.decodeAll(result);
        }
        if (hasSegments) {
            stderr.println("note: masks not decoded; pass --seg-weights PATH (vae-oid.npz does not ship with checkpoints)");
            stderr.flush();
        }
        return result;
    }

    /** Writes the picture with boxes, labels and masks; the format follows the file name (png by default). */
    static void draw(BufferedImage image, ParseResult result, Path out) throws IOException {
        BufferedImage drawn = Annotator.draw(image, result.objects());
        String name = out.getFileName().toString();
        String format = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase() : "png";
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(drawn, format, out.toFile())) {
            throw new IOException(out + ": no image writer for format '" + format + "' (use .png)");
        }
    }
}
