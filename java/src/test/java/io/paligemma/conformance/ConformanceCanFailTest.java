package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.conformance.CheckResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.paligemma.detect.Box;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks must catch a corrupted expectation: a conformance run that cannot fail proves nothing. */
class ConformanceCanFailTest {

    private static final Path DIR = SegmentationConformanceTest.DIR;
    private static final String V3 = "v3_top_left_27x66_97x71";

    @TempDir
    Path tmp;

    @Test
    void withinFailsJustAboveTheBoundAndPassesJustBelow() {
        float[] expected = {1.0f, -2.0f, 0.5f};
        float[] below = {1.0f, -2.0f + 1.9e-4f, 0.5f};
        float[] above = {1.0f, -2.0f + 2.1e-4f, 0.5f};
        assertTrue(ArrayComparison.within("x", below, expected, 1e-4, 2.0, "max").passed());
        assertFalse(ArrayComparison.within("x", above, expected, 1e-4, 2.0, "max").passed());
        assertFalse(ArrayComparison.within("x", new float[] {Float.NaN, -2f, 0.5f}, expected, 1e-4, 2.0, "max").passed());
        assertFalse(ArrayComparison.within("x", new float[2], expected, 1e-4, 2.0, "max").passed());
        assertFalse(ArrayComparison.identical("x", below, expected).passed());
    }

    @Test
    void maskComparisonExcusesOnlyNearZeroLogits() {
        Box box = new Box(1, 1, 3, 3);   // 2×2 box in a 4×4 image
        float[] boxLogits = {0.5f, -0.00005f, -0.3f, 0.2f};
        byte[] expected = new byte[16];
        expected[5] = 1;   // (1,1) = 0.5
        expected[10] = 1;  // (2,2) = 0.2
        byte[] flipNearZero = expected.clone();
        flipNearZero[6] = 1;  // (1,2): logit -5e-5, excused
        byte[] flipFar = expected.clone();
        flipFar[9] = 1;       // (2,1): logit -0.3
        byte[] flipOutside = expected.clone();
        flipOutside[0] = 1;
        assertTrue(ArrayComparison.maskMatches("m", expected, expected, boxLogits, box, 4, 1e-4).passed());
        CheckResult excused = ArrayComparison.maskMatches("m", flipNearZero, expected, boxLogits, box, 4, 1e-4);
        assertTrue(excused.passed(), excused.detail());
        assertTrue(excused.detail().contains("1 excused"), excused.detail());
        assertFalse(ArrayComparison.maskMatches("m", flipFar, expected, boxLogits, box, 4, 1e-4).passed());
        assertFalse(ArrayComparison.maskMatches("m", flipOutside, expected, boxLogits, box, 4, 1e-4).passed());
    }

    @Test
    void perturbedExpectedLogitFailsOnlyItsCheck() throws IOException {
        // max|logits64| of v3 is 1.952, so the bound is 1.95e-4 and our error is below 1e-6.
        assertEquals(List.of(V3 + "/logits64"), failures(copyWithPerturbedLogit(tmp.resolve("above"), 3e-4f)));
        assertEquals(List.of(), failures(copyWithPerturbedLogit(tmp.resolve("below"), 1.5e-4f)));
    }

    @Test
    void wrongExpectedBoxFails() throws IOException {
        Path dir = linkedCopy(tmp.resolve("box"));
        Path cases = dir.resolve("cases.json");
        Files.delete(cases);
        ObjectMapper json = new ObjectMapper();
        JsonNode root = json.readTree(DIR.resolve("cases.json").toFile());
        for (JsonNode c : root.path("cases")) {
            if (c.path("name").asText().equals(V3)) {
                ((ObjectNode) c.path("box_pixels")).put("x2", 67);
            }
        }
        json.writeValue(cases.toFile(), root);
        assertEquals(List.of(V3 + "/box_pixels"), failures(dir));
    }

    private static List<String> failures(Path dir) {
        return SegmentationConformance.run(dir).stream().filter(r -> !r.passed()).map(CheckResult::name).toList();
    }

    /** A copy of the fixtures whose expected.safetensors has v3's logits64[0] shifted by {@code delta}. */
    private static Path copyWithPerturbedLogit(Path dir, float delta) throws IOException {
        linkedCopy(dir);
        Path expected = dir.resolve("expected.safetensors");
        Files.delete(expected);
        byte[] bytes = Files.readAllBytes(DIR.resolve("expected.safetensors"));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) b.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, headerLen, java.nio.charset.StandardCharsets.UTF_8));
        int at = 8 + headerLen + header.path(V3 + ".logits64").path("data_offsets").get(0).asInt();
        b.putFloat(at, b.getFloat(at) + delta);
        Files.write(expected, bytes);
        return dir;
    }

    /** The fixture directory with every file symlinked (cheap), ready to have one file replaced. */
    private static Path linkedCopy(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(DIR)) {
            for (Path f : files.toList()) {
                Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
            }
        }
        return dir;
    }
}
