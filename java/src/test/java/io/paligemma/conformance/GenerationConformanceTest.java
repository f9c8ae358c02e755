package io.paligemma.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generation.json through the runner (every visible entry on both backends is ConformanceTest's job): a case in
 * the format under another name is found and run, and a corrupted expectation (a token id, a score beyond 1e-4
 * relative, an option the runner does not know) fails exactly its entry, while a score within the tolerance
 * passes.
 */
class GenerationConformanceTest {
    private static final Path CASE = ConformanceTest.FIXTURES.resolve("paligemma2-tiny");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static OpsProvider provider;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        provider = OpsProvider.open(Backend.NATIVE, 1);
    }

    @AfterAll
    static void close() {
        provider.close();
    }

    @Test
    void anyDirectoryInTheFormatIsRunOneCheckPerEntry() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("fixtures"));
        Path unseen = edited(root.resolve("some-new-case"), Set.of(), r -> { });
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<CheckResult> results = Conformance.run(root, provider.ops(), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String text = buf.toString(StandardCharsets.UTF_8);
        List<CheckResult> generation = results.stream().filter(r -> r.name().startsWith("some-new-case/generation/")).toList();
        assertEquals(8, generation.size(), text);
        assertTrue(generation.stream().allMatch(CheckResult::passed), text);
        assertTrue(Files.isDirectory(unseen));
    }

    @Test
    void aWrongTokenIdFailsItsEntryOnly() throws IOException {
        Path dir = edited(tmp.resolve("token"), Set.of("beam3", "greedy_rep"), root -> {
            ArrayNode row = (ArrayNode) root.path("entries").path("beam3").path("returned_new_token_ids").get(1);
            row.set(7, row.get(7).asInt() + 1);
        });
        assertEquals(List.of("generation/beam3"), failures(dir));
        Path greedy = edited(tmp.resolve("greedy"), Set.of("min_new_eos_stop"), root -> {
            ArrayNode row = (ArrayNode) root.path("entries").path("min_new_eos_stop").path("returned_new_token_ids").get(0);
            row.remove(row.size() - 1);                    // HF keeps the EOS that ended generation
        });
        assertEquals(List.of("generation/min_new_eos_stop"), failures(greedy));
    }

    @Test
    void aScoreBeyondTheRelativeToleranceFailsWithinItPasses() throws IOException {
        assertEquals(List.of("generation/beam4_lp_eos"), failures(scaledScore(tmp.resolve("above"), 1 + 2e-4)));
        assertEquals(List.of(), failures(scaledScore(tmp.resolve("below"), 1 + 5e-5)));
    }

    @Test
    void anOptionTheRunnerDoesNotKnowFailsByName() throws IOException {
        Path dir = edited(tmp.resolve("typical"), Set.of("greedy_ngram"), root ->
                ((ObjectNode) root.path("entries").path("greedy_ngram").path("generate_options")).put("typical_p", 0.9));
        List<CheckResult> results = GenerationConformance.run(dir, provider.ops());
        assertEquals(1, results.size());
        assertTrue(!results.get(0).passed() && results.get(0).detail().contains("typical_p"), results.toString());
    }

    private Path scaledScore(Path dir, double factor) throws IOException {
        return edited(dir, Set.of("beam4_lp_eos"), root -> {
            ArrayNode s = (ArrayNode) root.path("entries").path("beam4_lp_eos").path("sequences_scores");
            s.set(1, s.get(1).asDouble() * factor);
        });
    }

    private static List<String> failures(Path dir) {
        return GenerationConformance.run(dir, provider.ops()).stream().filter(r -> !r.passed()).map(CheckResult::name)
                .sorted().toList();
    }

    /**
     * paligemma2-tiny as a new case directory: its checkpoint (linked), expected.safetensors and generation.json
     * with only the {@code keep} entries (all when empty), edited.
     */
    private static Path edited(Path dir, Set<String> keep, Consumer<JsonNode> edit) throws IOException {
        Files.createDirectories(dir);
        Files.createSymbolicLink(dir.resolve("checkpoint"), CASE.resolve("checkpoint").toAbsolutePath());
        Files.copy(CASE.resolve("expected.safetensors"), dir.resolve("expected.safetensors"));
        JsonNode root = JSON.readTree(CASE.resolve("generation.json").toFile());
        if (!keep.isEmpty()) {
            for (Iterator<String> it = root.path("entries").fieldNames(); it.hasNext(); ) {
                if (!keep.contains(it.next())) {
                    it.remove();
                }
            }
        }
        edit.accept(root);
        JSON.writeValue(dir.resolve("generation.json").toFile(), root);
        return dir;
    }
}
