package io.paligemma.spark;

import io.paligemma.cli.BundledDemo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The batch job: every file under a folder through PaliGemma, one output row per file (its path, the answer,
 * generated tokens, stage timings, the error or null; for detect / segment also the objects), written as
 * Parquet or JSON lines. Run by {@code ./paligemma spark ...} or by {@code spark-submit --class
 * io.paligemma.spark.PaliGemmaSparkJob paligemma-ffm-spark.jar ...}.
 *
 * <p>The folder is listed with Spark's {@code binaryFile} source, but only the paths are taken: they are
 * spread over {@code --partitions} tasks and each task reads its own files, so the pictures never go
 * through a shuffle.
 */
@Command(name = "paligemma spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Caption / answer / OCR / detect / segment every image under a folder on Spark; one row per file.")
public final class PaliGemmaSparkJob implements Callable<Integer> {

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2] (spark-submit gives its own; default there: what it gives, else local[*])")
    String master;

    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "checkpoint directory as the executors see it; 'demo': the bundled random-weight checkpoint (local masters only)")
    String model;

    @Option(names = "--images", paramLabel = "DIR", required = true, description = "folder of images (read recursively; any Hadoop URI)")
    String images;

    @Option(names = "--glob", paramLabel = "PATTERN", description = "only files whose name matches, e.g. '*.{jpg,png}'")
    String glob;

    @Option(names = "--task", paramLabel = "TASK", defaultValue = "caption",
            description = "caption, answer, ocr, detect or segment (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "the prompt (default: the task's, e.g. 'caption en')")
    String prompt;

    @Option(names = "--out", paramLabel = "PATH", required = true, description = "output directory (Spark writes part files)")
    String out;

    @Option(names = "--format", paramLabel = "parquet|jsonl", defaultValue = "parquet", description = "default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--overwrite", description = "replace an existing output")
    boolean overwrite;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
    int maxTokens;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "tasks to spread the files over (0: Spark's default parallelism)")
    int partitions;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "compute threads of each executor's model (0: the machine's physical cores)")
    int threads;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "sequences each executor's model decodes together (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--weights", paramLabel = "stored|int8", defaultValue = "stored", description = "default: ${DEFAULT-VALUE}")
    String weights;

    @Option(names = "--backend", paramLabel = "native|java", defaultValue = "native", description = "default: ${DEFAULT-VALUE}")
    String backend;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0: greedy (default)")
    double temperature;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "sampling seed")
    long seed;

    @Option(names = "--seg-weights", paramLabel = "PATH", description = "segment: VQ-VAE mask decoder weights (vae-oid.npz)")
    String segWeights;

    @Option(names = "--fail-fast", description = "a bad file fails the job instead of giving an error row")
    boolean failFast;

    public static void main(String[] args) {
        int code = new CommandLine(new PaliGemmaSparkJob()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws IOException {
        SparkSession.Builder builder = SparkSession.builder().appName("paligemma");
        if (master != null) {
            builder.master(master);
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[*]");                    // a plain java run; spark-submit sets spark.master
        }
        SparkSession spark = builder.getOrCreate();
        try (BundledDemo demo = "demo".equals(model) ? demoFor(spark) : null) {
            String checkpoint = demo != null ? demo.checkpoint.toString() : model;
            long rows = run(spark, checkpoint);
            System.err.println("paligemma spark: " + rows + " rows written to " + out);
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static BundledDemo demoFor(SparkSession spark) throws IOException {
        if (!spark.sparkContext().isLocal()) {
            throw new CommandLine.ParameterException(new CommandLine(new PaliGemmaSparkJob()),
                    "--model demo is a temporary folder on this machine: only for local masters");
        }
        System.err.println("paligemma spark: " + BundledDemo.LABEL);
        return new BundledDemo();
    }

    /** Lists, transforms and writes; returns the rows written. */
    long run(SparkSession spark, String checkpoint) {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("parquet") && !fmt.equals("jsonl")) {
            throw new IllegalArgumentException("--format must be parquet or jsonl, not '" + format + "'");
        }
        var reader = spark.read().format("binaryFile").option("recursiveFileLookup", "true");
        if (glob != null) {
            reader = reader.option("pathGlobFilter", glob);
        }
        Dataset<Row> files = reader.load(images).select("path");
        int n = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        files = files.repartition(n);
        PaliGemmaTransformer t = new PaliGemmaTransformer()
                .setModelPath(checkpoint)
                .setTask(task)
                .setImageCol("path")
                .setNameCol("path")
                .setMaxTokens(maxTokens)
                .setComputeThreads(threads)
                .setBatchSize(batchSize)
                .setWeights(weights)
                .setBackend(backend)
                .setTemperature(temperature)
                .setSeed(seed)
                .setFailFast(failFast);
        if (prompt != null) {
            t.setPrompt(prompt);
        }
        if (segWeights != null) {
            t.setMaskDecoderPath(segWeights);
        }
        Dataset<Row> result = t.transform(files);
        List<Column> columns = new ArrayList<>(List.of(functions.col("path"), functions.col("answer"),
                functions.col("tokens"), functions.col("timings"), functions.col("error")));
        if (Task.parse(task).givesObjects()) {
            columns.add(functions.col("objects"));
            columns.add(functions.col("problems"));
        }
        result = result.select(columns.toArray(Column[]::new)).cache();
        var writer = result.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
        if (fmt.equals("parquet")) {
            writer.parquet(out);
        } else {
            writer.option("ignoreNullFields", "false").json(out);    // "error": null on the rows that went well
        }
        long written = result.count();
        result.unpersist();
        return written;
    }
}
