package io.paligemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command's wiring on the tiny fixture; the numbers themselves are BenchTest's business. */
class BenchCommandTest {
    static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");

    @Test
    void writesJsonAndChartWithoutRoofline(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("out.json");
        Path png = tmp.resolve("out.png");
        int exit = Main.run("bench", "--model", TINY.toString(), "--backends", "native", "--threads", "1", "--warmup", "0",
                "--repeat", "1", "--decode-tokens", "2", "--roofline-mib", "0", "--json", json.toString(), "--chart",
                png.toString());
        assertEquals(0, exit);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(7, root.get("runs").size());
        assertTrue(root.get("machine").get("roofline").get("peak_gflops").isNull(), "no roofline measured");
        assertTrue(root.get("runs").get(0).get("gflops_fraction").isNull());
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void modelAndPresetTogetherIsBadUsage() {
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--preset", "paligemma-3b-224"));
        assertEquals(Errors.BAD_INPUT, Main.run("bench"));
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--weights", "bf16"));
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--preset", "paligemma-9b-224"));
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--repeat", "0"));
    }

    @Test
    void unknownBackendIsBadUsage() {
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--backends", "gpu"));
    }

    /** --clients: one row per client count, every request answered with its exact length, percentiles in order. */
    @Test
    void servingModeRunsTheSchedulerUnderSimulatedClients(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("serving.json");
        int exit = Main.run("bench", "--model", TINY.toString(), "--clients", "1,3", "--requests-per-client", "2",
                "--think-ms", "1", "--answer-tokens", "3-5", "--prompt-text", "2-6", "--threads", "1", "--json", json.toString());
        assertEquals(0, exit);
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("rows");
        assertEquals(2, rows.size());
        for (int i = 0; i < 2; i++) {
            JsonNode r = rows.get(i);
            int clients = i == 0 ? 1 : 3;
            assertEquals(clients, r.get("clients").asInt());
            assertEquals(2 * clients, r.get("requests").asInt());
            long tokens = r.get("generatedTokens").asLong();
            assertTrue(tokens >= 3L * 2 * clients && tokens <= 5L * 2 * clients, "tokens " + tokens);
            assertEquals(tokens - 2L * clients, r.get("decodeTokens").asLong());
            assertTrue(r.get("ttftP50").asDouble() > 0 && r.get("ttftP95").asDouble() >= r.get("ttftP50").asDouble());
            assertTrue(r.get("tpotP95").asDouble() >= r.get("tpotP50").asDouble());
            assertTrue(r.get("decodeTokPerS").asDouble() > 0 && r.get("meanDecodeRows").asDouble() >= 1);
        }
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--clients", "0"));
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--clients", "1", "--answer-tokens", "5-3"));
        assertEquals(Errors.BAD_INPUT, Main.run("bench", "--model", TINY.toString(), "--clients", "1", "--answer-tokens", "x"));
    }
}
