package io.paligemma.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.api.Result;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The transformer in Spark local mode (local[2]) on the bundled demo checkpoint, against the library alone. */
class PaliGemmaTransformerTest {
    private static SparkFixtures fx;
    private static Map<String, Result> expected;       // file name → the library's answer to PROMPT

    @BeforeAll
    static void setUp() throws Exception {
        fx = SparkFixtures.get();
        List<Result> results = SparkFixtures.library(fx.transformer().modelSpec(), fx.good,
                Collections.nCopies(fx.good.size(), SparkFixtures.PROMPT), SparkFixtures.MAX_TOKENS);
        expected = new HashMap<>();
        for (int i = 0; i < fx.good.size(); i++) {
            expected.put(fx.good.get(i).getFileName().toString(), results.get(i));
        }
    }

    private static String fileName(String pathOrUri) {
        return pathOrUri.substring(pathOrUri.lastIndexOf('/') + 1);
    }

    /** binaryFile from a folder → transform → every answer and token count as the library gives them. */
    @Test
    void binaryFileFolderEndToEndEqualsTheLibrary() {
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.goodDir.toString()).repartition(3);
        List<Row> rows = fx.transformer().setNameCol("path").transform(images).collectAsList();
        assertEquals(fx.good.size(), rows.size());
        for (Row r : rows) {
            String file = fileName(r.getAs("path"));
            Result want = expected.get(file);
            assertNotNull(want, file);
            assertNull(r.getAs("error"), file);
            assertEquals(want.text(), r.getAs("answer"), file);
            assertEquals(want.tokenIds().length, (int) r.<Integer>getAs("tokens"), file);
            Row timings = r.getAs("timings");
            assertEquals(want.timings().promptTokens(), timings.<Integer>getAs("prompt_tokens"), file);
            assertTrue(timings.<Double>getAs("vision_ms") >= 0, file);
        }
        // the answers differ between pictures, so equality above is not one answer matched six times
        assertTrue(rows.stream().map(r -> r.<String>getAs("answer")).distinct().count() > 1,
                "all six pictures got the same answer: the comparison would not tell pictures apart");
    }

    /** 8 tasks over 2 cores: one load of the checkpoint in this (the only) executor JVM, 8 leases. */
    @Test
    void modelLoadedOncePerExecutorHoweverManyTasks() {
        PaliGemmaTransformer t = fx.transformer().setBatchSize(3).setImageCol("image").setMaxTokens(2);
        ModelSpec spec = t.modelSpec();
        ExecutorModels.closeIdle();                   // whatever an earlier test left loaded
        long loads = ExecutorModels.loads(spec);
        long leases = ExecutorModels.leases(spec);
        List<Row> paths = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            paths.add(RowFactory.create(fx.good.get(i % fx.good.size()).toUri().toString()));
        }
        StructType schema = new StructType().add("image", DataTypes.StringType);
        Dataset<Row> df = fx.spark.createDataFrame(paths, schema).repartition(8);
        assertEquals(8, df.rdd().getNumPartitions());
        List<Row> rows = t.transform(df).collectAsList();
        assertEquals(16, rows.size());
        rows.forEach(r -> assertNull(r.getAs("error"), () -> "row " + r));
        assertEquals(1, ExecutorModels.loads(spec) - loads, "loads of the checkpoint");
        assertEquals(8, ExecutorModels.leases(spec) - leases, "tasks that leased the model");
        assertEquals(0, ExecutorModels.users(spec), "every task gave its lease back");
        // a second job reuses the loaded model
        t.transform(df.limit(2)).collectAsList();
        assertEquals(1, ExecutorModels.loads(spec) - loads, "a later job loaded the checkpoint again");
    }

    /** One partition, six pictures and a file that is not one: an error row naming it, six answers. */
    @Test
    void corruptImageGivesAnErrorRowAndTheOthersSucceed() {
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.mixedDir.toString()).coalesce(1);
        List<Row> rows = fx.transformer().setNameCol("path").transform(images).collectAsList();
        assertEquals(fx.good.size() + 1, rows.size());
        int errors = 0;
        for (Row r : rows) {
            String file = fileName(r.getAs("path"));
            if (file.equals("broken.png")) {
                errors++;
                String error = r.getAs("error");
                assertNotNull(error);
                assertTrue(error.contains("broken.png") && error.contains("not an image"), error);
                assertNull(r.getAs("answer"));
                assertNull(r.getAs("tokens"));
                assertNull(r.getAs("timings"));
            } else {
                assertNull(r.getAs("error"), file);
                assertEquals(expected.get(file).text(), r.getAs("answer"), file);
            }
        }
        assertEquals(1, errors);
    }

    @Test
    void failFastFailsTheJobNamingTheFile() {
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.mixedDir.toString()).coalesce(1);
        Dataset<Row> out = fx.transformer().setNameCol("path").setFailFast(true).transform(images);
        SparkException e = assertThrows(SparkException.class, out::collectAsList);
        assertTrue(String.valueOf(e.getMessage()).contains("broken.png"), e.getMessage());
    }

    /** A path column and one prompt per row; a prompt longer than the context is that row's error only. */
    @Test
    void pathAndPromptColumnsWithATooLongPrompt() throws Exception {
        String tooLong = "answer en " + "why ".repeat(2000);
        List<Path> pictures = List.of(fx.good.get(0), fx.good.get(1), fx.good.get(2));
        List<String> prompts = List.of("answer en what is this?", tooLong, "ocr");
        List<Row> input = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            input.add(RowFactory.create(pictures.get(i).toString(), prompts.get(i)));
        }
        StructType schema = new StructType().add("file", DataTypes.StringType).add("question", DataTypes.StringType);
        PaliGemmaTransformer t = fx.transformer();
        t.clear(t.prompt());
        t.setTask("answer").setPromptCol("question").setImageCol("file").setNameCol("file");
        List<Row> rows = t.transform(fx.spark.createDataFrame(input, schema).coalesce(1)).collectAsList();
        assertEquals(3, rows.size());
        List<Result> want = SparkFixtures.library(t.modelSpec(), List.of(pictures.get(0), pictures.get(2)),
                List.of(prompts.get(0), prompts.get(2)), SparkFixtures.MAX_TOKENS);
        assertNull(rows.get(0).getAs("error"));
        assertEquals(want.get(0).text(), rows.get(0).getAs("answer"));
        String error = rows.get(1).getAs("error");
        assertNotNull(error);
        assertTrue(error.contains("the context holds"), error);
        assertNull(rows.get(1).getAs("answer"));
        assertNull(rows.get(2).getAs("error"));
        assertEquals(want.get(1).text(), rows.get(2).getAs("answer"));
    }

    /** detect: the objects and problems columns are the parse of the library's own answer. */
    @Test
    void detectGivesTheParsedObjectsOfTheLibrarysAnswer() throws Exception {
        String prompt = "detect cat ; dog";
        PaliGemmaTransformer t = fx.transformer().setTask("detect").setPrompt(prompt).setMaxTokens(12).setNameCol("path");
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.goodDir.toString()).coalesce(2);
        List<Row> rows = t.transform(images).collectAsList();
        assertEquals(fx.good.size(), rows.size());
        for (Row r : rows) {
            Path file = fx.goodDir.resolve(fileName(r.getAs("path")));
            Result want = SparkFixtures.library(t.modelSpec(), List.of(file), List.of(prompt), 12).get(0);
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(file.toFile());
            ParseResult parsed = OutputParser.parseDetections(want.text(), img.getWidth(), img.getHeight());
            assertEquals(want.text(), r.getAs("answer"));
            List<Row> objects = r.getList(r.fieldIndex("objects"));
            assertEquals(parsed.objects().size(), objects.size());
            for (int i = 0; i < objects.size(); i++) {
                ObjectColumnsTest.assertSameObject(ObjectColumns.object(parsed.objects().get(i)), objects.get(i));
            }
            List<String> problems = r.getList(r.fieldIndex("problems"));
            assertEquals(List.of(ObjectColumns.problems(parsed)), problems);
        }
    }

    /** Saved alone and inside a Pipeline, loaded back: the same params, the same answers. */
    @Test
    void savedAndLoadedInAPipeline(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        PaliGemmaTransformer t = fx.transformer().setTask("ocr").setMaxTokens(4).setBatchSize(5).setNameCol("path");
        t.clear(t.prompt());
        t.write().save(tmp.resolve("alone").toString());
        PaliGemmaTransformer loaded = PaliGemmaTransformer.load(tmp.resolve("alone").toString());
        assertEquals(t.uid(), loaded.uid());
        assertEquals(t.modelSpec(), loaded.modelSpec());
        assertEquals("ocr", loaded.getOrDefault(loaded.task()));
        assertFalse(loaded.isSet(loaded.prompt()));
        assertEquals(4, (int) (Integer) loaded.getOrDefault(loaded.maxTokens()));

        org.apache.spark.ml.Pipeline pipeline = new org.apache.spark.ml.Pipeline()
                .setStages(new org.apache.spark.ml.PipelineStage[] {t});
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.goodDir.toString()).limit(2);
        org.apache.spark.ml.PipelineModel fitted = pipeline.fit(images);
        fitted.write().save(tmp.resolve("pipeline").toString());
        org.apache.spark.ml.PipelineModel back = org.apache.spark.ml.PipelineModel.load(tmp.resolve("pipeline").toString());
        List<Row> a = fitted.transform(images).select("path", "answer").collectAsList();
        List<Row> b = back.transform(images).select("path", "answer").collectAsList();
        assertEquals(a, b);
        a.forEach(r -> assertNotNull(r.getAs("answer")));
    }

    @Test
    void badParamsFailOnTheDriverWithAClearMessage() {
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.goodDir.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fx.transformer().setImageCol("nope").transform(images));
        assertTrue(e.getMessage().contains("imageCol 'nope' is not a column"), e.getMessage());
        PaliGemmaTransformer noPrompt = fx.transformer().setTask("detect");
        noPrompt.clear(noPrompt.prompt());
        e = assertThrows(IllegalArgumentException.class, () -> noPrompt.transformSchema(images.schema()));
        assertTrue(e.getMessage().contains("needs a prompt"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fx.transformer().setTask("translate").transform(images));
        assertTrue(e.getMessage().contains("unknown task 'translate'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fx.transformer().setOutputCol("path").transform(images));
        assertTrue(e.getMessage().contains("'path' already exists"), e.getMessage());
        assertFalse(fx.transformer().params().length < 20, "Spark finds the params through their getters");
    }
}
