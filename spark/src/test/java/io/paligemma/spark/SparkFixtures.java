package io.paligemma.spark;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.cli.BundledDemo;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageException;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/**
 * What the Spark tests share, made once per test JVM: a local[2] session, the bundled demo checkpoint, a
 * folder of six distinct pictures made from the demo's one (crops, flips, a JPEG) and a folder with the
 * same six plus a file that is not an image.
 */
final class SparkFixtures {
    static final int THREADS = Integer.getInteger("paligemma.threads", 1);
    static final String PROMPT = "caption en";
    static final int MAX_TOKENS = 6;

    private static SparkFixtures instance;

    final SparkSession spark;
    final BundledDemo demo;
    final Path goodDir;          // six pictures
    final Path mixedDir;         // the six and broken.png
    final List<Path> good = new ArrayList<>();

    private SparkFixtures() throws IOException {
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("paligemma-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.adaptive.enabled", "false")   // keep the partitions the tests ask for
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        demo = new BundledDemo();
        goodDir = Files.createDirectories(demo.directory.resolve("good"));
        mixedDir = Files.createDirectories(demo.directory.resolve("mixed"));
        BufferedImage src = ImageIO.read(demo.image.toFile());
        int w = src.getWidth();
        int h = src.getHeight();
        List<BufferedImage> pictures = List.of(src, src.getSubimage(0, 0, w / 2, h / 2),
                src.getSubimage(w / 4, h / 4, w / 2, h / 2), flip(src), src.getSubimage(0, h / 3, w, h / 2));
        for (int i = 0; i < pictures.size(); i++) {
            write(pictures.get(i), "png", "picture-" + i + ".png");
        }
        write(rgb(src), "jpg", "picture-5.jpg");
        Files.write(mixedDir.resolve("broken.png"), "this is not a PNG, only text with its name".getBytes());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                demo.close();
            } catch (IOException ignored) {
                // a temporary folder left behind
            }
        }));
    }

    static synchronized SparkFixtures get() {
        if (instance == null) {
            try {
                instance = new SparkFixtures();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    private void write(BufferedImage img, String format, String name) throws IOException {
        Path p = goodDir.resolve(name);
        if (!ImageIO.write(img, format, p.toFile())) {
            throw new IOException("no " + format + " writer");
        }
        Files.copy(p, mixedDir.resolve(name));
        good.add(p);
    }

    private static BufferedImage flip(BufferedImage src) {
        AffineTransform t = AffineTransform.getScaleInstance(-1, 1);
        t.translate(-src.getWidth(), 0);
        return new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(src, null);
    }

    private static BufferedImage rgb(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(src, 0, 0, null);
        return out;
    }

    /** The transformer on the demo checkpoint, as the tests run it (one compute thread). */
    PaliGemmaTransformer transformer() {
        return new PaliGemmaTransformer()
                .setModelPath(demo.checkpoint.toString())
                .setComputeThreads(THREADS)
                .setMaxTokens(MAX_TOKENS)
                .setPrompt(PROMPT);
    }

    /** The same request through the library alone, in this JVM, without Spark: the reference. */
    static List<Result> library(ModelSpec spec, List<Path> images, List<String> prompts, int maxTokens)
            throws ImageException {
        Options o = spec.options();
        List<Result> out = new ArrayList<>();
        try (PaliGemma model = PaliGemma.load(Path.of(spec.checkpoint()), o)) {
            for (int i = 0; i < images.size(); i++) {
                out.add(model.generate(images.get(i), prompts.get(i), GenerationConfig.greedy(maxTokens)));
            }
        }
        return out;
    }
}
