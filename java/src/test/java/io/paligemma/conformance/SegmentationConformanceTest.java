package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.conformance.CheckResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationConformanceTest {

    static final Path DIR = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("segmentation");

    @Test
    void allFixtureCasesPass() {
        List<CheckResult> results = SegmentationConformance.run(DIR);
        results.forEach(System.out::println);
        List<CheckResult> failed = results.stream().filter(r -> !r.passed()).toList();
        assertTrue(failed.isEmpty(), "failed: " + failed);
        // 5 cases × (tokens, box_pixels, logits64, box_logits, mask) + 7 activations of v0 + the npz check
        assertEquals(5 * 5 + 7 + 1, results.size(), results::toString);
        for (String c : List.of("v0_full_640x480", "v1_border_left_bottom_640x480", "v2_tiny_1x3_right_97x71",
                "v3_top_left_27x66_97x71", "v4_degenerate_rows_97x71")) {
            for (String k : List.of("tokens", "box_pixels", "logits64", "box_logits", "mask")) {
                assertTrue(results.stream().anyMatch(r -> r.name().equals(c + "/" + k)), c + "/" + k);
            }
        }
        assertTrue(results.stream().anyMatch(r -> r.name().equals("weights/npz_vs_safetensors") && r.passed()));
    }

    @Test
    void missingDirectoryIsAFailedCheckNotAnException() {
        List<CheckResult> results = SegmentationConformance.run(DIR.resolve("no-such-dir"));
        assertEquals(1, results.size());
        assertFalse(results.getFirst().passed());
    }
}
