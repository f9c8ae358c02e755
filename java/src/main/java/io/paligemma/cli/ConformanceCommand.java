package io.paligemma.cli;

import io.paligemma.conformance.CheckResult;
import io.paligemma.conformance.Conformance;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.OpsProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = {"Check the engine against reference fixtures: every case directory in DIR (model cases: "
                + "checkpoint/ + expected.safetensors; tokenizer case files; segmentation cases).",
                "Prints one line per check with the measured error and ends with 'N passed, M failed'; exit 1 when anything fails."})
final class ConformanceCommand implements Callable<Integer> {
    @Option(names = "--fixtures", paramLabel = "DIR", required = true, description = "the fixtures directory")
    Path fixtures;

    @Option(names = "--weights", paramLabel = "stored|int8", defaultValue = "stored",
            description = "int8: quantize the model cases' weights and check their logits against the int8 limits "
                    + "(largest error relative to the largest logit, top-1 agreement, mean KL) instead of the exact checks.")
    String weights;

    @Option(names = "--quantize-vision", description = "with --weights int8: the vision tower and projector too")
    boolean quantizeVision;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        try (OpsProvider provider = backend.open()) {
            Quantization q = Quantization.parse(weights, quantizeVision);
            System.out.println("backend: " + provider.ops().name() + ", threads: " + provider.ops().threads()
                    + ", weights: " + q.describe());
            List<CheckResult> results = Conformance.run(fixtures, provider.ops(), System.out, q);
            return Conformance.summarize(results, System.out) == 0 ? 0 : Errors.CHECKS_FAILED;
        }
    }
}
