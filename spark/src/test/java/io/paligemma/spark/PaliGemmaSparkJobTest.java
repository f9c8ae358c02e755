package io.paligemma.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.api.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The batch job's run on the shared local session: one row per file, Parquet and JSON lines. */
class PaliGemmaSparkJobTest {

    private static PaliGemmaSparkJob job(String... args) {
        return CommandLine.populateCommand(new PaliGemmaSparkJob(), args);
    }

    @Test
    void parquetAndJsonLinesHoldOneRowPerFileWithTheLibrarysAnswers(@TempDir Path tmp) throws Exception {
        SparkFixtures fx = SparkFixtures.get();
        String checkpoint = fx.demo.checkpoint.toString();
        List<Result> want = SparkFixtures.library(fx.transformer().modelSpec(), fx.good,
                Collections.nCopies(fx.good.size(), "caption en"), 5);
        for (String format : List.of("parquet", "jsonl")) {
            Path out = tmp.resolve("out-" + format);
            PaliGemmaSparkJob j = job("--model", checkpoint, "--images", fx.mixedDir.toString(), "--prompt", "caption en",
                    "--out", out.toString(), "--format", format, "--max-tokens", "5", "--threads",
                    String.valueOf(SparkFixtures.THREADS), "--partitions", "3");
            assertEquals(fx.good.size() + 1, j.run(fx.spark, checkpoint));
            List<Row> rows = (format.equals("parquet") ? fx.spark.read().parquet(out.toString())
                    : fx.spark.read().json(out.toString())).collectAsList();
            assertEquals(fx.good.size() + 1, rows.size());
            List<String> columns = List.of("path", "answer", "tokens", "timings", "error");
            if (format.equals("parquet")) {
                assertEquals(columns, List.of(rows.get(0).schema().fieldNames()));
            } else {                                    // Spark's JSON reader sorts the fields it infers
                assertEquals(new java.util.TreeSet<>(columns), new java.util.TreeSet<>(List.of(rows.get(0).schema().fieldNames())));
            }
            for (Row r : rows) {
                String path = r.getAs("path");
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.equals("broken.png")) {
                    assertNull(r.getAs("answer"));
                    String error = r.getAs("error");
                    assertNotNull(error);
                    assertTrue(error.contains("not an image"), error);
                    continue;
                }
                int i = fx.good.indexOf(fx.goodDir.resolve(file));
                assertTrue(i >= 0, file);
                assertNull(r.getAs("error"), file);
                assertEquals(want.get(i).text(), r.getAs("answer"), file);
                assertEquals(want.get(i).tokenIds().length, ((Number) r.getAs("tokens")).intValue(), file);
                assertNotNull(r.getAs("timings"), file);
            }
            if (format.equals("jsonl")) {                // every line names every column, "error": null included
                List<String> lines;
                try (var parts = Files.list(out)) {
                    lines = parts.filter(p -> p.getFileName().toString().endsWith(".json"))
                            .flatMap(p -> {
                                try {
                                    return Files.readAllLines(p).stream();
                                } catch (java.io.IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }).toList();
                }
                assertEquals(fx.good.size() + 1, lines.size());
                assertEquals(fx.good.size(), lines.stream().filter(l -> l.contains("\"error\":null")).count());
            }
        }
    }
}
