package io.paligemma.spark;

import io.paligemma.api.Generation;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.cli.BundledDemo;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of the same images through the library in one JVM and through Spark in local mode
 * ({@code ./paligemma spark-bench}). Both sides load the same checkpoint with the same options and batch
 * size, run the image set once untimed (load, JIT, page cache), then once timed: the library submits every
 * picture to one model ({@code submit}, then waits for all: what a single-JVM user does), Spark runs the
 * {@link PaliGemmaTransformer} over the folder's paths in {@code --partitions} tasks. Prints images per
 * second for each, with the load average.
 */
@Command(name = "paligemma spark-bench", mixinStandardHelpOptions = true,
        description = "Images per second: the library alone vs Spark local mode, same images, same model options.")
public final class SparkBench implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "checkpoint, or 'demo'")
    String model;

    @Option(names = "--images", defaultValue = "32", paramLabel = "N", description = "pictures (variants of the demo picture)")
    int images;

    @Option(names = "--warmup", defaultValue = "-1", paramLabel = "N",
            description = "pictures in each side's untimed first pass (load, JIT, page cache); default: all")
    int warmup;

    @Option(names = "--spark-first", description = "measure Spark before the library (to see whether order matters)")
    boolean sparkFirst;

    @Option(names = "--prompt", defaultValue = "caption en")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "16")
    int maxTokens;

    @Option(names = "--master", defaultValue = "local[2]")
    String master;

    @Option(names = "--partitions", defaultValue = "2")
    int partitions;

    @Option(names = "--threads", defaultValue = "2", description = "compute threads of the model (both sides)")
    int threads;

    @Option(names = "--batch-size", defaultValue = "8", description = "sequences decoded together (both sides)")
    int batchSize;

    @Option(names = "--weights", defaultValue = "stored")
    String weights;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (BundledDemo demo = new BundledDemo()) {
            String checkpoint = model.equals("demo") ? demo.checkpoint.toString() : model;
            Path dir = Files.createDirectories(demo.directory.resolve("bench-images"));
            List<Path> files = pictures(demo.image, dir, images);
            ModelSpec spec = new ModelSpec(checkpoint, "native", threads, weights, "f32", "mmap", 0, batchSize);
            System.out.printf(Locale.ROOT, "checkpoint %s, %d images, prompt '%s', %d new tokens, %d threads, batch %d%n",
                    checkpoint, files.size(), prompt, maxTokens, threads, batchSize);

            if (sparkFirst) {
                sparkSide(checkpoint, dir, files);
                librarySide(checkpoint, spec, files);
            } else {
                librarySide(checkpoint, spec, files);
                sparkSide(checkpoint, dir, files);
            }
        }
        return 0;
    }

    private void librarySide(String checkpoint, ModelSpec spec, List<Path> files) throws Exception {
        try (PaliGemma m = PaliGemma.load(Path.of(checkpoint), spec.options())) {
            library(m, warm(files));                             // untimed: JIT, page cache
            Clock c = new Clock();
            library(m, files);
            c.report("library, one JVM", files.size());
        }
    }

    private void sparkSide(String checkpoint, Path dir, List<Path> files) throws Exception {
        SparkSession spark = SparkSession.builder().master(master).appName("paligemma-bench")
                .config("spark.ui.enabled", "false").config("spark.sql.adaptive.enabled", "false").getOrCreate();
        try {
            PaliGemmaTransformer t = new PaliGemmaTransformer().setModelPath(checkpoint).setComputeThreads(threads)
                    .setBatchSize(batchSize).setWeights(weights).setPrompt(prompt).setMaxTokens(maxTokens)
                    .setImageCol("path");
            Dataset<Row> paths = spark.read().format("binaryFile").load(dir.toString()).select("path")
                    .repartition(partitions).cache();
            paths.count();
            int first = warm(files).size();                      // untimed: loads the executor's model
            spark(t, first == files.size() ? paths : paths.limit(first), first);
            Clock c = new Clock();
            spark(t, paths, files.size());
            c.report("Spark " + master + ", " + partitions + " tasks", files.size());
        } finally {
            spark.stop();
            ExecutorModels.closeIdle();                          // this JVM was the executor: unmap its model
        }
    }

    /** Wall time and this process's CPU time (all threads) from its creation to {@link #report}. */
    private static final class Clock {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        final long wall0 = System.nanoTime();
        final long cpu0 = OS.getProcessCpuTime();

        void report(String what, int n) throws IOException {
            double wall = (System.nanoTime() - wall0) / 1e9;
            double cpu = (OS.getProcessCpuTime() - cpu0) / 1e9;
            String load = Files.readString(Path.of("/proc/loadavg")).trim();
            System.out.printf(Locale.ROOT, "%-28s %4d images in %7.2f s: %7.3f images/s, %6.3f CPU s per image   (load %s)%n",
                    what, n, wall, n / wall, cpu / n, load);
        }
    }

    private List<Path> warm(List<Path> files) {
        return warmup < 0 || warmup >= files.size() ? files : files.subList(0, warmup);
    }

    private void library(PaliGemma m, List<Path> files) throws ImageException {
        ImageDecoder decoder = new ImageDecoder();
        GenerationConfig g = GenerationConfig.greedy(maxTokens);
        List<Generation> pending = new ArrayList<>();
        for (Path f : files) {
            pending.add(m.submit(decoder.read(f), prompt, g, null));
        }
        for (Generation p : pending) {
            Result r = p.await();
            if (r.tokenIds().length == 0) {
                throw new IllegalStateException("no tokens for a picture");
            }
        }
    }

    private static void spark(PaliGemmaTransformer t, Dataset<Row> paths, int expected) {
        long ok = t.transform(paths).filter("error IS NULL").count();
        if (ok != expected) {
            throw new IllegalStateException(ok + " of " + expected + " pictures answered");
        }
    }

    /** n distinct pictures: crops of the demo picture at different offsets and sizes. */
    private static List<Path> pictures(Path source, Path dir, int n) throws IOException {
        BufferedImage src = ImageIO.read(source.toFile());
        int w = src.getWidth();
        int h = src.getHeight();
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int cw = w / 2 + (i * 7) % (w / 2);
            int ch = h / 2 + (i * 11) % (h / 2);
            int x = (i * 13) % (w - cw + 1);
            int y = (i * 17) % (h - ch + 1);
            Path p = dir.resolve(String.format(Locale.ROOT, "picture-%04d.png", i));
            ImageIO.write(src.getSubimage(x, y, cw, ch), "png", p.toFile());
            out.add(p);
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.count() != n) {
                throw new IOException("expected " + n + " pictures in " + dir);
            }
        }
        return out;
    }
}
