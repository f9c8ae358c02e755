package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.Backend;
import io.paligemma.scheduler.SchedulerOptions;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving chart: the rows a serving run wrote come back from its JSON, and the chart is a PNG of them. */
class ServingChartTest {
    @Test
    void rowsRoundTripThroughTheJsonAndTheChartIsDrawn(@TempDir Path dir) throws Exception {
        List<ServingBench.Row> rows = List.of(
                new ServingBench.Row(1, 2, 30.5, 100, 98, 6.01, 3.71, 1.0, 6.98, 7.59, 0.163, 0.175, Double.NaN, 57000, 0.2, 0),
                new ServingBench.Row(8, 16, 170.2, 900, 884, 16.93, 5.59, 4.13, 24.4, 71.3, 0.868, 0.932, 0.75, 40000, 1.9, 3));
        var settings = new ServingBench.Settings(List.of(1, 8), 2, 1000, new int[] {4, 24}, new int[] {16, 96}, Backend.NATIVE, 2,
                SchedulerOptions.defaults(), 42);
        Path json = dir.resolve("run.json");
        ServingBench.writeJson(json, "paligemma-3b-pt-224 bf16", settings, rows);
        List<ServingBench.Row> back = ServingChart.readRows(json);
        assertEquals(rows.size(), back.size());
        assertEquals(rows.get(1).decodeTokPerS(), back.get(1).decodeTokPerS());
        assertEquals(rows.get(1).ttftP95(), back.get(1).ttftP95());
        assertEquals(8, back.get(1).clients());
        String title = ServingChart.title(json);
        assertTrue(title.startsWith("paligemma-3b-pt-224 bf16, native, 2 threads") && title.contains("16-96"), title);
        Path png = dir.resolve("sub/run.png");
        ServingChart.writePng(title, back, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1000, img.getWidth());
        assertEquals(600, img.getHeight());
    }

    @Test
    void aFileWithoutRowsIsRefusedByName(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("x.json"), "{\"machine\": {}}");
        var e = assertThrows(IllegalArgumentException.class, () -> ServingChart.readRows(json));
        assertTrue(e.getMessage().contains("x.json"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServingChart.writePng("t", List.of(), dir.resolve("y.png")));
    }
}
