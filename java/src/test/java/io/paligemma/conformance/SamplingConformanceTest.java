package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.ops.OpsProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sampling.json through the runner: every visible entry and source passes, a directory in the format with another
 * name and no checkpoint is run too, and a corrupted expectation fails exactly the checks it touches.
 */
class SamplingConformanceTest {
    private static final Path FIXTURES = ConformanceTest.FIXTURES;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyEntryAndSourceOfTheVisibleCasesPasses() throws IOException {
        for (String c : List.of("paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16")) {
            JsonNode root = JSON.readTree(FIXTURES.resolve(c).resolve("sampling.json").toFile());
            int expectedChecks = 0;
            for (JsonNode e : root.path("entries")) {
                expectedChecks += e.path("results").size();
            }
            List<CheckResult> results = SamplingConformance.run(FIXTURES.resolve(c));
            assertEquals(27, expectedChecks, c + ": nine entries × three sources");
            assertEquals(expectedChecks, results.size(), c + ": one check per entry and source\n" + results);
            for (CheckResult r : results) {
                assertTrue(r.passed(), c + " " + r);
                assertTrue(r.name().startsWith("sampling/"), r.name());
            }
        }
    }

    /** An unseen case: only sampling.json and expected.safetensors, under another name, found by the runner. */
    @Test
    void anyDirectoryInTheFormatIsRun() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("fixtures"));
        Path unseen = copy(FIXTURES.resolve("paligemma2-tiny"), root.resolve("some-new-case"), "sampling.json",
                "expected.safetensors");
        try (OpsProvider provider = OpsProvider.open(io.paligemma.ops.Backend.JAVA, 1)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            List<CheckResult> results = Conformance.run(root, provider.ops(), new PrintStream(buf, true, StandardCharsets.UTF_8));
            String text = buf.toString(StandardCharsets.UTF_8);
            assertEquals(27, results.size(), text);
            assertTrue(results.stream().allMatch(r -> r.passed() && r.name().startsWith("some-new-case/sampling/")), text);
        }
        assertTrue(Files.isDirectory(unseen));
    }

    @Test
    void aProbabilityOffByMoreThanTheToleranceFailsOnlyItsCheck() throws IOException {
        assertEquals(List.of("sampling/t07_k40_p09/gen_step10"),
                failures(edited(e -> shiftProb(e, "t07_k40_p09", "gen_step10", 2e-6))));
        assertEquals(List.of(), failures(edited(e -> shiftProb(e, "t07_k40_p09", "gen_step10", 5e-7))));
    }

    @Test
    void aDifferentKeptSetFails() throws IOException {
        Path dir = edited(root -> {
            ObjectNode r = (ObjectNode) root.path("entries").path("topk5").path("results").path("gen_step10");
            ((ArrayNode) r.path("kept_ids")).remove(0);
            ((ArrayNode) r.path("probs")).remove(0);
            r.put("kept_count", 4);
        });
        List<CheckResult> failed = SamplingConformance.run(dir).stream().filter(r -> !r.passed()).toList();
        assertEquals(1, failed.size(), failed.toString());
        assertEquals("sampling/topk5/gen_step10", failed.get(0).name());
        assertTrue(failed.get(0).detail().contains("kept 5 tokens, expected 4"), failed.get(0).detail());
    }

    /** The runner builds the processors from the effective config and holds them to HF's recorded list. */
    @Test
    void processorsThatAreNotHuggingFacesFail() throws IOException {
        Path changedTemperature = edited(root -> ((ObjectNode) root.path("entries").path("temp07")
                .path("effective_generation_config")).put("temperature", 0.8));
        assertEquals(List.of("sampling/temp07/gen_step10", "sampling/temp07/gen_step11", "sampling/temp07/gen_step7"),
                failures(changedTemperature));
        Path typical = edited(root -> {
            ObjectNode e = (ObjectNode) root.path("entries").path("topk5");
            ((ObjectNode) e.path("effective_generation_config")).put("typical_p", 0.9);
            ((ArrayNode) e.path("processors")).addObject().put("class", "TypicalLogitsWarper").put("mass", 0.9);
        });
        List<CheckResult> failed = SamplingConformance.run(typical).stream().filter(r -> !r.passed()).toList();
        assertEquals(3, failed.size(), failed.toString());
        assertTrue(failed.get(0).detail().contains("TypicalLogitsWarper") && failed.get(0).detail().contains("does not have"),
                failed.get(0).detail());
    }

    /** Only the repetition penalty reads the context: without it, only that entry's check of that source fails. */
    @Test
    void theRepetitionPenaltyReadsTheSourcesContext() throws IOException {
        Path dir = edited(root -> ((ObjectNode) root.path("sources").path("gen_step7")).putArray("context_ids"));
        assertEquals(List.of("sampling/rep13_t08_p095/gen_step7"), failures(dir));
    }

    /** A logits vector that is not the one the file was made from is caught by its checksum. */
    @Test
    void aChangedLogitsVectorFailsEveryCheckOfItsSource() throws IOException {
        Path dir = copy(FIXTURES.resolve("paligemma-tiny-bf16"), tmp.resolve("vector"), "sampling.json");
        byte[] bytes = Files.readAllBytes(FIXTURES.resolve("paligemma-tiny-bf16/expected.safetensors"));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) b.getLong(0);
        JsonNode header = JSON.readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
        int vocab = JSON.readTree(dir.resolve("sampling.json").toFile()).path("vocab_size").asInt();
        int at = 8 + headerLength + header.path("gen_logits").path("data_offsets").get(0).asInt() + 11 * vocab * Float.BYTES;
        b.putFloat(at, b.getFloat(at) + 1e-3f);                   // gen_logits[11, 0]
        Files.write(dir.resolve("expected.safetensors"), bytes);
        List<CheckResult> failed = SamplingConformance.run(dir).stream().filter(r -> !r.passed()).toList();
        assertEquals(9, failed.size(), failed.toString());
        assertTrue(failed.stream().allMatch(r -> r.name().endsWith("/gen_step11") && r.detail().contains("sha256")), failed.toString());
    }

    @Test
    void anUnreadableFileIsOneFailedCheck() throws IOException {
        Path dir = copy(FIXTURES.resolve("paligemma-tiny"), tmp.resolve("broken"), "expected.safetensors");
        Files.writeString(dir.resolve("sampling.json"), "{\"format_version\": 2}");
        List<CheckResult> results = SamplingConformance.run(dir);
        assertEquals(1, results.size());
        assertFalse(results.get(0).passed());
        assertTrue(results.get(0).detail().contains("format_version"), results.get(0).detail());
    }

    private static void shiftProb(JsonNode root, String entry, String source, double delta) {
        ArrayNode probs = (ArrayNode) root.path("entries").path(entry).path("results").path(source).path("probs");
        probs.set(3, probs.get(3).asDouble() + delta);
    }

    private static List<String> failures(Path dir) {
        return SamplingConformance.run(dir).stream().filter(r -> !r.passed()).map(CheckResult::name).sorted().toList();
    }

    /** paligemma-tiny-bf16's sampling.json with an edit, next to a copy of its expected.safetensors. */
    private Path edited(Consumer<JsonNode> edit) throws IOException {
        Path dir = copy(FIXTURES.resolve("paligemma-tiny-bf16"), Files.createTempDirectory(tmp, "edited"),
                "expected.safetensors");
        JsonNode root = JSON.readTree(FIXTURES.resolve("paligemma-tiny-bf16/sampling.json").toFile());
        edit.accept(root);
        JSON.writeValue(dir.resolve("sampling.json").toFile(), root);
        return dir;
    }

    private static Path copy(Path from, Path to, String... files) throws IOException {
        Files.createDirectories(to);
        for (String f : files) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
        return to;
    }
}
