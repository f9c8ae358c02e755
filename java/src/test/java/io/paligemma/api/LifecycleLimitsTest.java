package io.paligemma.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14's D1-D3: a thread count far past the machine, close() from inside a request's callback, and a
 * checkpoint changed on disk while loaded.
 */
class LifecycleLimitsTest {

    @Test
    void absurdThreadCountsAreRefusedAtOnceNamingTheBound() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (Backend b : Backend.values()) {
                IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> OpsProvider.open(b, 100_000));
                assertTrue(big.getMessage().contains(Integer.toString(OpsProvider.maxThreads())), big.getMessage());
                assertThrows(IllegalArgumentException.class, () -> OpsProvider.open(b, -1));
                assertThrows(IllegalArgumentException.class,
                        () -> PaliGemma.load(PaliGemmaApiTest.DEMO.resolve("checkpoint"), Options.defaults().withBackend(b).withThreads(-5)));
            }
        });
        try (OpsProvider p = OpsProvider.open(Backend.JAVA, 0)) {
            assertEquals(OpsProvider.defaultThreads(), p.ops().threads(), "0 is the default");
        }
    }

    /** D3: a checkpoint truncated by another process between two requests crashed the JVM (SIGBUS) on the next one. */
    @Test
    void aCheckpointChangedOnDiskIsRefusedBeforeTheNextRequest(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        try (Stream<Path> files = Files.list(PaliGemmaApiTest.DEMO.resolve("checkpoint"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        RgbImage picture = new ImageDecoder().read(PaliGemmaApiTest.DEMO.resolve("image.png"));
        for (Backend b : Backend.values()) {
            try (PaliGemma m = PaliGemma.load(dir, Options.defaults().withThreads(1).withBackend(b))) {
                assertTrue(m.generate(picture, "caption en", GenerationConfig.greedy(2)).tokenIds().length > 0);
                Path weights = dir.resolve("model.safetensors");
                byte[] whole = Files.readAllBytes(weights);
                try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
                    ch.truncate(20_000);
                }
                try {
                    RuntimeException e = assertThrows(RuntimeException.class,
                            () -> m.generate(picture, "caption en", GenerationConfig.greedy(2)));
                    assertTrue(e.getMessage().contains("changed on disk"), e.getMessage());
                } finally {
                    Files.write(weights, whole); // the next backend loads the intact file
                }
            }
        }
    }

    @Test
    void numericOptionsOutOfRangeNameTheProblem() {
        IllegalArgumentException ctx = assertThrows(IllegalArgumentException.class, () -> Options.defaults().withMaxContext(-5));
        assertTrue(ctx.getMessage().contains("-5"), ctx.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> new io.paligemma.generate.SamplingConfig(Float.POSITIVE_INFINITY, 0, 1f, 0f, 1));
        assertTrue(t.getMessage().contains("finite"), t.getMessage());
    }

    @Test
    void closeFromInsideTheRequestsOwnCallbackIsRefusedNotADeadlock() throws Exception {
        RgbImage picture = new ImageDecoder().read(PaliGemmaApiTest.DEMO.resolve("image.png"));
        PaliGemma m = PaliGemma.load(PaliGemmaApiTest.DEMO.resolve("checkpoint"), Options.defaults().withThreads(1));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> m.generate(picture, "caption en", GenerationConfig.greedy(4), text -> m.close()));
            assertTrue(e.getMessage().contains("from inside a request"), e.getMessage());
            // the refused close left the model open and usable; closing from outside works
            assertTrue(m.generate(picture, "caption en", GenerationConfig.greedy(2)).tokenIds().length > 0);
            m.close();
        });
        assertThrows(IllegalStateException.class, () -> m.generate(picture, "caption en", GenerationConfig.greedy(2)));
    }
}
