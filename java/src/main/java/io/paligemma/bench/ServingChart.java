package io.paligemma.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The serving bench (`bench --clients`) as one chart over the client count: aggregate decode and end-to-end
 * tokens/s on the left axis, time to first token p50 / p95 on the right.
 */
public final class ServingChart {
    private ServingChart() {
    }

    /** Writes a PNG; runs headless (no display needed). */
    public static void writePng(String title, List<ServingBench.Row> rows, Path file) throws IOException {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no serving rows to draw");
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(600).title(title).xAxisTitle("clients").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.setYAxisGroupTitle(0, "tokens/s");
        chart.setYAxisGroupTitle(1, "time to first token, s");
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        List<Double> clients = new ArrayList<>();
        List<Double> decode = new ArrayList<>(), endToEnd = new ArrayList<>(), p50 = new ArrayList<>(), p95 = new ArrayList<>();
        for (ServingBench.Row r : rows) {
            clients.add((double) r.clients());
            decode.add(r.decodeTokPerS());
            endToEnd.add(r.endToEndTokPerS());
            p50.add(r.ttftP50());
            p95.add(r.ttftP95());
        }
        add(chart, "decode tok/s", clients, decode, 0);
        add(chart, "end-to-end tok/s", clients, endToEnd, 0);
        add(chart, "TTFT p50 s", clients, p50, 1);
        add(chart, "TTFT p95 s", clients, p95, 1);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static void add(XYChart chart, String name, List<Double> x, List<Double> y, int axis) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setYAxisGroup(axis);
        s.setMarker(SeriesMarkers.CIRCLE);
    }

    /** The rows and a title from a file {@link ServingBench#writeJson} wrote. */
    public static List<ServingBench.Row> readRows(Path json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode rows = root.get("rows");
        if (rows == null || !rows.isArray()) {
            throw new IllegalArgumentException(json + " is not a serving bench file (no \"rows\" array)");
        }
        List<ServingBench.Row> out = new ArrayList<>();
        for (JsonNode r : rows) {
            out.add(new ObjectMapper().treeToValue(r, ServingBench.Row.class));
        }
        return out;
    }

    /** "model, backend, N threads; answers, pauses" from the same file. */
    public static String title(Path json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        return root.path("model").asText() + ", " + root.path("backend").asText() + ", " + root.path("threads").asInt()
                + " threads; answers " + root.path("answerTokens").asText() + " tokens, pauses " + root.path("thinkMillis").asInt()
                + " ms";
    }
}
