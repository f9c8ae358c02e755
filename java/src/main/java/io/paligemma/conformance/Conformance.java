package io.paligemma.conformance;

import io.paligemma.nn.Quantization;
import io.paligemma.ops.Ops;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs every case directory of a fixtures folder (the layout of shared/fixtures): model cases
 * ({@code checkpoint/} + {@code expected.safetensors}), sampling distributions ({@code sampling.json} +
 * {@code expected.safetensors}, with or without a checkpoint), generate() options ({@code generation.json} in a
 * model case, with the stored weights), tokenizer case files and segmentation
 * cases. The folder itself may also be a single case. Prints one line per check and ends with
 * {@code N passed, M failed}.
 */
public final class Conformance {
    private Conformance() {
    }

    /** All checks of {@code root}; a folder with no recognisable case is itself a failed check. */
    public static List<CheckResult> run(Path root, Ops ops, PrintStream out) {
        return run(root, ops, out, Quantization.NONE);
    }

    /**
     * The same with weights quantized as {@code quantization} says: int8 model cases are measured against
     * the limits of {@link Int8ModelCase} instead of the exact checks; tokenizer and segmentation cases do
     * not depend on the weights and run as always.
     */
    public static List<CheckResult> run(Path root, Ops ops, PrintStream out, Quantization quantization) {
        List<CheckResult> all = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            CheckResult r = CheckResult.failed(root.toString(), "not a directory");
            out.println(r);
            all.add(r);
            return all;
        }
        List<Path> dirs = new ArrayList<>();
        dirs.add(root);
        try (Stream<Path> children = Files.list(root)) {
            children.filter(Files::isDirectory).sorted().forEach(dirs::add);
        } catch (IOException e) {
            all.add(CheckResult.failed(root.toString(), "cannot list: " + e));
        }
        int cases = 0;
        for (Path dir : dirs) {
            List<CheckResult> results = runCase(dir, ops, quantization);
            if (results != null) {
                cases++;
                results.forEach(out::println);
                all.addAll(results);
            }
        }
        if (cases == 0) {
            CheckResult r = CheckResult.failed(root.toString(), "no case found (expected checkpoint/ + expected.safetensors, "
                    + "sampling.json + expected.safetensors, tokenizer_cases.json, or cases.json + expected.safetensors)");
            out.println(r);
            all.add(r);
        }
        return all;
    }

    /** The checks of one directory, or null when it holds no case. */
    static List<CheckResult> runCase(Path dir, Ops ops, Quantization quantization) {
        if (ModelCase.matches(dir)) {
            List<CheckResult> results = new ArrayList<>(quantization.int8() ? Int8ModelCase.run(dir, ops, quantization)
                    : ModelCase.run(dir, ops));
            if (SamplingConformance.matches(dir)) {
                results.addAll(prefixed(dir, SamplingConformance.run(dir)));   // stored logits: the same with any weights
            }
            if (GenerationConformance.matches(dir) && !quantization.int8()) {
                results.addAll(prefixed(dir, GenerationConformance.run(dir, ops)));  // exact ids: the stored weights only
            }
            return results;
        }
        if (SamplingConformance.matches(dir)) {
            return prefixed(dir, SamplingConformance.run(dir));
        }
        if (Files.isRegularFile(dir.resolve("tokenizer_cases.json"))) {
            return prefixed(dir, TokenizerConformance.run(dir.resolve("tokenizer_cases.json")));
        }
        if (Files.isRegularFile(dir.resolve("cases.json")) && Files.isRegularFile(dir.resolve("expected.safetensors"))) {
            return prefixed(dir, SegmentationConformance.run(dir));
        }
        return null;
    }

    private static List<CheckResult> prefixed(Path dir, List<CheckResult> results) {
        String name = dir.getFileName().toString();
        return results.stream().map(r -> new CheckResult(name + "/" + r.name(), r.passed(), r.detail())).toList();
    }

    /** Prints the closing line and returns the number of failures. */
    public static int summarize(List<CheckResult> results, PrintStream out) {
        long failed = results.stream().filter(r -> !r.passed()).count();
        results.stream().filter(r -> !r.passed()).findFirst()
                .ifPresent(r -> out.println("first failing check: " + r.name()));
        out.println((results.size() - failed) + " passed, " + failed + " failed");
        return (int) failed;
    }
}
