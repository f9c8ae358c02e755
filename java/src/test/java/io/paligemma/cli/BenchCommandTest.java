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
}
