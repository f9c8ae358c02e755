package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.NativeOps;
import io.paligemma.ops.Parallel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConformanceTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    @Test
    void nativeBackendPassesEveryFixture() {
        try (Parallel p = new Parallel(1)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
            List<CheckResult> results = Conformance.run(FIXTURES, new NativeOps(p), out);
            int failed = Conformance.summarize(results, out);
            String text = buf.toString(StandardCharsets.UTF_8);
            System.out.println(text);
            assertTrue(results.size() > 50, text);
            assertEquals(0, failed, text);
        }
    }
}
