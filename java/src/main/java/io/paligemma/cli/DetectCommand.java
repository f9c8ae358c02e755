package io.paligemma.cli;

import io.paligemma.api.PaliGemma;
import io.paligemma.api.Prompts;
import io.paligemma.api.Result;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.ResultJson;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** detect and segment: run the task prompt, parse the answer into objects, print JSON, optionally draw. */
abstract class DetectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--image", paramLabel = "FILE", required = true, description = "the picture")
    Path image;

    @Option(names = "--out", paramLabel = "OUT.png", description = "also write the picture with boxes, labels and masks")
    Path out;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128", description = "most tokens to generate")
    int maxTokens;

    @Option(names = "--seg-weights", paramLabel = "PATH",
            description = "VQ-VAE mask decoder weights (vae-oid.npz or .safetensors); not part of PaliGemma checkpoints")
    Path segWeights;

    abstract String prompt();

    @Override
    public Integer call() throws IOException {
        VqVaeMaskDecoder decoder = ObjectsOutput.maskDecoder(segWeights);
        RgbImage picture = new ImageDecoder().read(image);
        Result r;
        try (PaliGemma m = model.load()) {
            r = m.generate(picture, prompt(), io.paligemma.generate.GenerationConfig.greedy(maxTokens));
        }
        PrintWriter stderr = spec.commandLine().getErr();
        stderr.println("answer: " + r.text());
        stderr.flush();
        ParseResult result = ObjectsOutput.decodeMasks(OutputParser.parse(r.text(), picture.width(), picture.height()),
                decoder, stderr);
        if (out != null) {
            ObjectsOutput.draw(picture.toBufferedImage(), result, out);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(ResultJson.toJson(result));
        stdout.flush();
        return 0;
    }

    @Command(name = "detect", mixinStandardHelpOptions = true,
            description = "Find objects: runs 'detect A ; B', prints boxes (pixel coordinates, y0 x0 y1 x1) as JSON.")
    static final class Detect extends DetectCommand {
        @Option(names = "--objects", paramLabel = "A;B", required = true, description = "what to look for, separated by ';'")
        String objects;

        @Override
        String prompt() {
            List<String> things = Arrays.stream(objects.split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            return Prompts.detect(things);
        }
    }

    @Command(name = "segment", mixinStandardHelpOptions = true,
            description = "Segment an object: runs 'segment X', prints box and mask (with --seg-weights) as JSON.")
    static final class Segment extends DetectCommand {
        @Option(names = "--object", paramLabel = "X", required = true, description = "what to segment")
        String object;

        @Override
        String prompt() {
            return Prompts.segment(object);
        }
    }
}
