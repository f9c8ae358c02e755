package io.paligemma.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.ResultJson;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.image.ImageDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code paligemma parse}: turns a PaliGemma detect/segment answer into JSON (boxes, masks, problems), and
 * with {@code --draw IN.png --out OUT.png} draws the objects on the image.
 */
@Command(name = "parse", mixinStandardHelpOptions = true,
        description = "Parse a PaliGemma 'detect'/'segment' answer into boxes and masks (JSON on stdout).")
final class ParseCommand implements Callable<Integer> {

    enum Mode { auto, detect, segment }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TEXT",
            description = "The model's answer; '-' or nothing reads it from stdin.")
    String text;

    @Option(names = "--width", description = "Image width in pixels (not needed with --draw).")
    Integer width;

    @Option(names = "--height", description = "Image height in pixels (not needed with --draw).")
    Integer height;

    @Option(names = "--mode", defaultValue = "auto",
            description = "auto (segment when the text has <seg> tokens), detect or segment. Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--draw", paramLabel = "IN.png", description = "Image to draw the objects on.")
    Path draw;

    @Option(names = "--out", paramLabel = "OUT.png", description = "Where to write the drawing (with --draw).")
    Path out;

    @Option(names = "--seg-weights", paramLabel = "PATH",
            description = "VQ-VAE mask decoder weights (big_vision's vae-oid.npz, or a .safetensors of it); "
                    + "not part of PaliGemma checkpoints.")
    Path segWeights;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if ((draw == null) != (out == null)) {
            throw new ParameterException(spec.commandLine(), "--draw and --out go together");
        }
        VqVaeMaskDecoder decoder = ObjectsOutput.maskDecoder(segWeights);
        BufferedImage image = null;
        int w;
        int h;
        if (draw != null) {
            // the engine's decoder: its pixel limit and one-line errors, Pillow's RGB (ImageIO.read had neither)
            image = new ImageDecoder().read(draw).toBufferedImage();
            w = image.getWidth();
            h = image.getHeight();
            if ((width != null && width != w) || (height != null && height != h)) {
                throw new ParameterException(spec.commandLine(), "--width/--height disagree with " + draw + " (" + w + "x" + h + ")");
            }
        } else {
            if (width == null || height == null || width <= 0 || height <= 0) {
                throw new ParameterException(spec.commandLine(), "give --width and --height (positive), or --draw IMAGE");
            }
            w = width;
            h = height;
        }
        String answer = text == null || text.equals("-")
                ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : text;
        ParseResult result = switch (mode) {
            case auto -> OutputParser.parse(answer, w, h);
            case detect -> OutputParser.parseDetections(answer, w, h);
            case segment -> OutputParser.parseSegmentations(answer, w, h);
        };
        result = ObjectsOutput.decodeMasks(result, decoder, stderr);
        if (image != null) {
            ObjectsOutput.draw(image, result, out);
        }
        stdout.println(ResultJson.toJson(result));
        stdout.flush();
        return 0;
    }
}
