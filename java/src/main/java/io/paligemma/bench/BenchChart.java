package io.paligemma.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The bench as grouped bars: one group per stage, one bar per (weights, backend), median milliseconds on a log axis. */
public final class BenchChart {
    private BenchChart() {
    }

    /** Writes a PNG; runs headless (no display needed). */
    public static void writePng(BenchReport report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(700)
                .title("paligemma bench: " + report.setup().model() + ", " + report.threads() + (report.threads() == 1 ? " thread" : " threads") + " (median ms, log scale)")
                .xAxisTitle("stage").yAxisTitle("milliseconds").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        List<String> stages = new ArrayList<>();
        for (Stage s : Stage.values()) {
            stages.add(s.id());
        }
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (String w : report.weightsOrder()) {
            for (String b : report.backendsOf(w)) {
                List<Double> ms = new ArrayList<>();
                for (Stage s : Stage.values()) {
                    StageResult r = report.find(w, b, s);
                    double v = r == null ? Double.NaN : r.stats().medianS() * 1e3;
                    ms.add(v);
                    if (v > 0) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
                chart.addSeries(w + "/" + b, stages, ms);
            }
        }
        // bars start at the axis minimum, which must be > 0 on a log axis: whole decades around the data
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(hi))));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
