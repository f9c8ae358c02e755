package io.paligemma.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.safetensors.Inspect;
import io.paligemma.safetensors.LoadMode;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.safetensors.SafetensorsWriter;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14's D1-D3 and D5: a thread count far past the machine, close() from inside a request's
 * callback, a checkpoint changed on disk while loaded, and NaN weights; plus out-of-range options.
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
        // --load copy: the weights live in the process's memory; truncating, then deleting the file changes nothing
        Path weights = dir.resolve("model.safetensors");
        try (PaliGemma mapped = PaliGemma.load(dir, Options.defaults().withThreads(1));
             PaliGemma copied = PaliGemma.load(dir, Options.defaults().withThreads(1).withLoad(LoadMode.COPY))) {
            int[] want = mapped.generate(picture, "caption en", GenerationConfig.greedy(4)).tokenIds();
            try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
                ch.truncate(20_000);
            }
            assertArrayEquals(want, copied.generate(picture, "caption en", GenerationConfig.greedy(4)).tokenIds());
            Files.delete(weights);
            assertArrayEquals(want, copied.generate(picture, "caption en", GenerationConfig.greedy(4)).tokenIds());
            assertThrows(RuntimeException.class, () -> mapped.generate(picture, "caption en", GenerationConfig.greedy(4)));
        }
    }

    /** D5: NaN in one norm weight gave greedy tokens [0, 0, 0, 0] and empty text, exit 0; now no token and a reason. */
    @Test
    void nonFiniteLogitsEndTheRequestWithoutTokens(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("nan"));
        Path demo = PaliGemmaApiTest.DEMO.resolve("checkpoint");
        try (Stream<Path> files = Files.list(demo)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        try (SafetensorsFile in = SafetensorsFile.open(demo.resolve("model.safetensors"));
             Arena arena = Arena.ofConfined()) {
            List<TensorSpec> specs = in.names().stream()
                    .map(n -> new TensorSpec(n, in.tensor(n).dtype(), in.tensor(n).shape())).toList();
            String norm = in.names().stream().filter(n -> n.endsWith("language_model.model.norm.weight")).findFirst().orElseThrow();
            try (SafetensorsWriter out = new SafetensorsWriter(dir.resolve("model.safetensors"), in.metadata(), specs)) {
                for (String n : in.names()) {
                    MemorySegment data = in.tensor(n).data();
                    if (n.equals(norm)) {
                        data = arena.allocate(data.byteSize()).copyFrom(data);
                        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x7fc0); // a bf16 / f16 NaN
                        if (in.tensor(n).dtype() == DType.F32) {
                            data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, Float.NaN);
                        }
                    }
                    out.write(n, data);
                }
            }
        }
        // inspect --check finds it; the intact checkpoint is clean
        Inspect.Check check = Inspect.check(dir);
        assertEquals(1, check.problems().size(), check.problems().toString());
        assertTrue(check.problems().get(0).contains("norm.weight") && check.problems().get(0).contains("1 NaN"),
                check.problems().get(0));
        assertTrue(Inspect.check(demo).problems().isEmpty());
        assertTrue(Inspect.check(demo).tensorsScanned() > 10);
        assertEquals(1, io.paligemma.cli.Main.run("inspect", "--check", dir.toString()), "exit 1: values failed the check");
        RgbImage picture = new ImageDecoder().read(PaliGemmaApiTest.DEMO.resolve("image.png"));
        for (Backend b : Backend.values()) {
            try (PaliGemma m = PaliGemma.load(dir, Options.defaults().withThreads(1).withBackend(b))) {
                for (GenerationConfig cfg : List.of(GenerationConfig.greedy(4),
                        GenerationConfig.greedy(4).withSampling(new SamplingConfig(1f, 0, 1f, 0f, 7)))) {
                    Result r = m.generate(picture, "caption en", cfg);
                    assertEquals(FinishReason.NON_FINITE, r.finishReason(), b + " " + cfg);
                    assertEquals(0, r.tokenIds().length, "no token chosen from NaN logits");
                    assertTrue(r.finishReason().problem().contains("non-finite"));
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
