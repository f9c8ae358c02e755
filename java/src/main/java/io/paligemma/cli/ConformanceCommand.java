package io.paligemma.cli;

import io.paligemma.conformance.CheckResult;
import io.paligemma.conformance.Conformance;
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

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        try (OpsProvider provider = backend.open()) {
            System.out.println("backend: " + provider.ops().name() + ", threads: " + provider.ops().threads());
            List<CheckResult> results = Conformance.run(fixtures, provider.ops(), System.out);
            return Conformance.summarize(results, System.out) == 0 ? 0 : Errors.CHECKS_FAILED;
        }
    }
}
