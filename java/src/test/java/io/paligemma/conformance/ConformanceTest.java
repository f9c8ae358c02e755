package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole fixtures folder through the conformance runner, on each backend, with one compute thread. */
class ConformanceTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyFixtureCasePasses(Backend backend) {
        try (OpsProvider provider = OpsProvider.open(backend, 1)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
            List<CheckResult> results = Conformance.run(FIXTURES, provider.ops(), out);
            int failed = Conformance.summarize(results, out);
            String text = buf.toString(StandardCharsets.UTF_8);
            String summary = text.substring(text.lastIndexOf('\n', text.length() - 2) + 1).trim();
            System.out.println(backend.id() + " backend: " + summary);
            // three model cases, 120 tokenizer cases × 4 checks, five segmentation cases
            assertTrue(results.size() > 500, text);
            assertTrue(results.stream().anyMatch(r -> r.name().startsWith("paligemma2-tiny/gen_ids")), text);
            assertTrue(results.stream().anyMatch(r -> r.name().startsWith("tokenizer/")), text);
            assertTrue(results.stream().anyMatch(r -> r.name().startsWith("segmentation/")), text);
            assertEquals(0, failed, text);
        }
    }
}
