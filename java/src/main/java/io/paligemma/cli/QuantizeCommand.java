package io.paligemma.cli;

import io.paligemma.nn.Quantization;
import io.paligemma.paligemma.QuantizedCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write an int8 (Q8_0) copy of a checkpoint that loads by mmap with no conversion: the language "
                + "model's matrices as I8 tensors with an F16 scale per block of 32 (<name>.q8_scale), everything else as "
                + "stored, the other files copied. Load it like any checkpoint (--model DIR)."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", required = true, description = "the checkpoint to quantize")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the directory to write")
    Path out;

    @Option(names = "--quantize-vision", description = "quantize the vision tower and projector too (off by default: "
            + "int8 SigLIP features are reported to hurt OCR)")
    boolean quantizeVision;

    @Override
    public Integer call() {
        int tensors = QuantizedCheckpoint.write(model, out, new Quantization(true, quantizeVision), bytes -> { });
        System.out.println(out + " (" + tensors + " tensors)");
        return 0;
    }
}
