package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerConformanceTest {

    @TempDir
    Path tmp;

    @Test
    void fixtureCasesAllPass() {
        List<io.paligemma.conformance.CheckResult> results = io.paligemma.conformance.TokenizerConformance.run(Fixtures.casesJson());
        // 3 models x 40 cases x (ids, pieces, decoded, streamed)
        assertEquals(3 * 40 * 4, results.size());
        results.forEach(r -> assertTrue(r.passed(), r.name() + ": " + r.detail()));
    }

    @Test
    void otherFilesOfTheFormatAreChecked() throws IOException {
        // one model in another folder, one case altered: exactly that id check fails, with the difference shown
        ObjectMapper m = new ObjectMapper();
        JsonNode root = m.readTree(Fixtures.casesJson().toFile());
        String model = "gemma_like_bpe_bytefallback.model";
        Files.copy(Fixtures.tokenizerDir().resolve(model), tmp.resolve("renamed.model"));
        ObjectNode only = m.createObjectNode();
        ObjectNode entry = only.putObject("models").putObject("renamed.model");
        ArrayNode cases = entry.putArray("cases");
        cases.add(root.path("models").path(model).path("cases").get(3).deepCopy());
        ObjectNode altered = root.path("models").path(model).path("cases").get(3).deepCopy();
        ((ArrayNode) altered.get("ids")).set(0, 999);
        cases.add(altered);
        Path json = tmp.resolve("cases.json");
        m.writeValue(json.toFile(), only);

        List<io.paligemma.conformance.CheckResult> results = io.paligemma.conformance.TokenizerConformance.run(json);
        assertEquals(8, results.size());
        List<io.paligemma.conformance.CheckResult> failed = results.stream().filter(r -> !r.passed()).toList();
        // the altered ids fail the ids check; decoding the altered ids no longer gives the expected text
        assertTrue(failed.stream().anyMatch(r -> r.name().startsWith("renamed.model case 1") && r.name().endsWith(" ids")
                && r.detail().contains("999")), failed.toString());
        assertFalse(failed.stream().anyMatch(r -> r.name().startsWith("renamed.model case 0")), failed.toString());
    }

    @Test
    void missingModelIsAFailedCheck() throws IOException {
        Path json = tmp.resolve("missing.json");
        Files.writeString(json, "{\"models\": {\"absent.model\": {\"cases\": []}}}");
        List<io.paligemma.conformance.CheckResult> results = io.paligemma.conformance.TokenizerConformance.run(json);
        assertEquals(1, results.size());
        assertFalse(results.get(0).passed());
        assertTrue(results.get(0).detail().contains("absent.model"), results.get(0).detail());
    }
}
