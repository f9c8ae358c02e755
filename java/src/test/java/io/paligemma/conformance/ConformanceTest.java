package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;
import io.paligemma.ops.KernelIsa;
import io.paligemma.ops.Ops;
import io.paligemma.ops.OpsProvider;
import io.paligemma.ops.OpsUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole fixtures folder through the conformance runner, on each backend, with one compute thread;
 * the native backend also with its kernels capped at each instruction set below the best this CPU has,
 * so that every C path it supports meets the fixtures.
 */
class ConformanceTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    static Stream<Arguments> backends() {
        List<Arguments> all = new ArrayList<>();
        all.add(Arguments.of(Backend.NATIVE, null));
        all.add(Arguments.of(Backend.JAVA, null));
        for (KernelIsa isa : KernelIsa.values()) {
            if (isa.compareTo(KernelIsa.supported()) < 0) {
                all.add(Arguments.of(Backend.NATIVE, isa));
            }
        }
        return all.stream();
    }

    /**
     * int8 weights on every model case, both backends: the int8 limits (logit error, top-1 agreement, KL)
     * on the model cases, the usual checks on the rest; and the same measured figures on both backends.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Backend.class)
    void everyFixtureCaseMeetsTheInt8Limits(Backend backend) {
        try (OpsProvider provider = OpsProvider.open(backend, 1)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
            List<CheckResult> results = Conformance.run(FIXTURES, provider.ops(), out, Quantization.INT8);
            int failed = Conformance.summarize(results, out);
            String text = buf.toString(StandardCharsets.UTF_8);
            long int8 = results.stream().filter(r -> r.name().contains("/int8/")).count();
            System.out.println(backend.id() + " backend, int8 weights: " + int8 + " int8 checks; "
                    + text.substring(text.lastIndexOf('\n', text.length() - 2) + 1).trim());
            assertTrue(int8 >= 15, "three model cases, five int8 checks each:\n" + text);
            assertTrue(results.stream().noneMatch(r -> r.name().contains("/error")), text);
            assertEquals(0, failed, text);
        }
    }

    @ParameterizedTest(name = "{0} kernels capped at {1}")
    @MethodSource("backends")
    void everyFixtureCasePasses(Backend backend, KernelIsa cap) {
        try (OpsProvider provider = OpsProvider.open(backend, 1)) {
            Ops ops = cap == null ? provider.ops() : OpsUnderTest.capped(provider.ops(), cap);
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
            List<CheckResult> results = Conformance.run(FIXTURES, ops, out);
            int failed = Conformance.summarize(results, out);
            String text = buf.toString(StandardCharsets.UTF_8);
            String summary = text.substring(text.lastIndexOf('\n', text.length() - 2) + 1).trim();
            System.out.println(ops.name() + " backend: " + summary);
            // three model cases, 120 tokenizer cases × 4 checks, five segmentation cases, sampling
            assertTrue(results.size() > 500, text);
            assertTrue(results.stream().anyMatch(r -> r.name().startsWith("paligemma2-tiny/gen_ids")), text);
            assertTrue(results.stream().anyMatch(r -> r.name().startsWith("tokenizer/")), text);
            assertTrue(results.stream().anyMatch(r -> r.name().startsWith("segmentation/")), text);
            // sampling.json: three cases × nine entries × three sources, from the stored logits on every backend
            assertEquals(81, results.stream().filter(r -> r.name().contains("/sampling/")).count(), text);
            // generation.json: three cases × eight generate() settings, each run through the pipeline on these ops
            assertEquals(24, results.stream().filter(r -> r.name().contains("/generation/")).count(), text);
            assertEquals(0, failed, text);
        }
    }
}
