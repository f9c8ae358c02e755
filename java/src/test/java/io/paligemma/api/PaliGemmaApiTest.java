package io.paligemma.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import io.paligemma.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaliGemmaApiTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));
    static final Path DEMO = Path.of("java/src/main/resources/demo");

    /** A fixture checkpoint plus a tokenizer, so the API can load it. */
    static Path fixtureModel(Path tmp, String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> files = Files.list(FIXTURES.resolve(name).resolve("checkpoint"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.copy(FIXTURES.resolve("tokenizer/gemma_like_bpe_bytefallback.model"), dir.resolve("tokenizer.model"));
        return dir;
    }

    /** Through the public API (image file → processor → model → greedy ids), against Hugging Face's gen_ids. */
    @Test
    void greedyIdsMatchTheReferenceOnBothBackends(@TempDir Path tmp) throws Exception {
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny")) {
            Path model = fixtureModel(tmp, name);
            int[] prompt;
            long[] expected;
            try (SafetensorsFile e = SafetensorsFile.open(FIXTURES.resolve(name).resolve("expected.safetensors"))) {
                prompt = Arrays.stream(e.tensor("input_ids").data().toArray(java.lang.foreign.ValueLayout.JAVA_LONG))
                        .mapToInt(Math::toIntExact).toArray();
                expected = e.tensor("gen_ids").data().toArray(java.lang.foreign.ValueLayout.JAVA_LONG);
            }
            RgbImage image = new ImageDecoder().read(FIXTURES.resolve(name).resolve("image.png"));
            for (Backend b : Backend.values()) {
                try (PaliGemma m = PaliGemma.load(model, Options.defaults().withBackend(b).withThreads(1))) {
                    Result r = m.generate(image, prompt, new GenerationConfig(expected.length, SamplingConfig.GREEDY, false,
                            List.of()), null);
                    assertArrayEquals(Arrays.stream(expected).mapToInt(Math::toIntExact).toArray(), r.tokenIds(),
                            name + " " + b);
                    assertEquals(FinishReason.MAX_TOKENS, r.finishReason());
                }
            }
        }
    }

    /** 8 threads × 4 requests on one model give exactly what the same requests give one by one. */
    @Test
    void concurrentRequestsEqualSequentialOnes() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        String[] prompts = {"caption en", "describe en", "ocr", "answer en what is this?", "detect cat ; dog",
                "segment cat", "caption de", "question en a cat"};
        try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1))) {
            GenerationConfig cfg = GenerationConfig.greedy(8);
            List<int[]> sequential = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                for (int r = 0; r < 4; r++) {
                    sequential.add(m.generate(image, prompts[(t + r) % prompts.length], cfg).tokenIds());
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<int[]>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    for (int r = 0; r < 4; r++) {
                        String p = prompts[(t + r) % prompts.length];
                        futures.add(pool.submit(() -> m.generate(image, p, cfg).tokenIds()));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(sequential.get(i), futures.get(i).get(), "request " + i);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    /** A batch decodes in lockstep, yet every answer equals the same request run alone (greedy and sampled). */
    @Test
    void batchedAnswersEqualSingleOnes() throws Exception {
        List<RgbImage> pictures = List.of(new ImageDecoder().read(DEMO.resolve("image.png")),
                new ImageDecoder().read(FIXTURES.resolve("paligemma2-tiny/image2.png")),
                new ImageDecoder().read(FIXTURES.resolve("paligemma-tiny/image2.png")));
        List<String> prompts = List.of("caption en", "answer en what is in the picture?", "detect cat ; dog");
        for (Backend b : Backend.values()) {
            try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1).withBackend(b))) {
                for (GenerationConfig cfg : List.of(GenerationConfig.greedy(10),
                        GenerationConfig.greedy(10).withSampling(new SamplingConfig(1f, 40, 1f, 0f, 3)))) {
                    List<Result> batch = m.generateBatch(pictures, prompts, cfg);
                    assertEquals(3, batch.size());
                    for (int i = 0; i < 3; i++) {
                        Result single = m.generate(pictures.get(i), prompts.get(i), cfg);
                        assertArrayEquals(single.tokenIds(), batch.get(i).tokenIds(), b + " request " + i);
                        assertEquals(single.text(), batch.get(i).text());
                    }
                }
            }
        }
    }

    @Test
    void samplingIsReproducibleAndTopK1IsGreedy() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1))) {
            GenerationConfig sampled = GenerationConfig.greedy(12).withSampling(new SamplingConfig(1.0f, 50, 0.95f, 0.01f, 42));
            int[] a = m.generate(image, "caption en", sampled).tokenIds();
            int[] b = m.generate(image, "caption en", sampled).tokenIds();
            assertArrayEquals(a, b);
            int[] greedy = m.generate(image, "caption en", GenerationConfig.greedy(12)).tokenIds();
            int[] topK1 = m.generate(image, "caption en",
                    GenerationConfig.greedy(12).withSampling(new SamplingConfig(0.8f, 1, 1f, 0f, 7))).tokenIds();
            assertArrayEquals(greedy, topK1);
        }
        // the same seed on the other backend draws the same tokens
        try (PaliGemma j = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1).withBackend(Backend.JAVA));
             PaliGemma n = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1))) {
            GenerationConfig sampled = GenerationConfig.greedy(12).withSampling(new SamplingConfig(1.0f, 50, 0.95f, 0.01f, 42));
            assertArrayEquals(n.generate(image, "caption en", sampled).tokenIds(), j.generate(image, "caption en", sampled).tokenIds());
        }
    }

    @Test
    void stopStringsCutTheAnswer() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1))) {
            Result full = m.generate(image, "caption en", GenerationConfig.greedy(12));
            String text = full.text();
            if (text.length() < 3) {
                return; // nothing to cut in this answer
            }
            String stop = text.substring(text.length() / 2, text.length() / 2 + 1);
            StringBuilder streamed = new StringBuilder();
            Result cut = m.generate(image, "caption en", GenerationConfig.greedy(12).withStopStrings(List.of(stop)),
                    streamed::append);
            assertEquals(text.substring(0, text.indexOf(stop)), cut.text());
            assertEquals(cut.text(), streamed.toString());
            assertEquals(FinishReason.STOP, cut.finishReason());
        }
    }

    @Test
    void badInputsGiveClearErrors(@TempDir Path tmp) throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1).withMaxContext(300))) {
            String tooLong = "word ".repeat(400);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.generate(image, tooLong, GenerationConfig.greedy(4)));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> m.generate(image, "caption en", GenerationConfig.greedy(290)));
            assertTrue(e2.getMessage().contains("exceed the context"), e2.getMessage());
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> PaliGemma.load(tmp.resolve("nope"), Options.defaults()));
        assertTrue(missing.getMessage().contains("does not exist"));
    }

    @Test
    void closedModelRejectsRequests() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1));
        m.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> m.generate(image, "caption en", GenerationConfig.greedy(4)));
        assertTrue(e.getMessage().contains("closed"));
    }

    /** close() while a request runs: the request fails at its next token, close waits for it, then unmaps. */
    @Test
    void closingDuringARequestFailsItCleanly() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1));
        java.util.concurrent.CountDownLatch firstToken = new java.util.concurrent.CountDownLatch(1);
        GenerationConfig longAnswer = new GenerationConfig(200, SamplingConfig.GREEDY, false, List.of());
        java.util.concurrent.CompletableFuture<Result> running = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> m.generate(image, "caption en", longAnswer, text -> firstToken.countDown()));
        assertTrue(firstToken.await(60, java.util.concurrent.TimeUnit.SECONDS));
        m.close(); // returns only once the request has stopped
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class, running::get);
        assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
        assertThrows(IllegalStateException.class, () -> m.generate(image, "caption en", GenerationConfig.greedy(2)));
    }

    @Test
    void embeddingsHaveTheDocumentedShapes() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        try (PaliGemma m = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1))) {
            var c = m.config();
            assertEquals(c.numImageTokens() * c.projectionDim(), m.imageFeatures(image).length);
            int l = m.promptIds("caption en").length;
            assertEquals(l * c.textConfig().hiddenSize(), m.lastHiddenStates(image, "caption en").length);
        }
    }

    /**
     * Through the public API on the demo (Gemma 2, 256 image tokens, sliding window 128 < the prompt): a
     * second question about a picture reuses its features, a repeated one the whole prefill, and every answer
     * equals the one a model without caches gives; submit + cancel stops a request.
     */
    @Test
    void cachesAndCancelThroughTheApi() throws Exception {
        RgbImage image = new ImageDecoder().read(DEMO.resolve("image.png"));
        GenerationConfig cfg = GenerationConfig.greedy(10);
        GenerationConfig sampled = cfg.withSampling(new SamplingConfig(1f, 40, 1f, 0f, 9));
        io.paligemma.scheduler.SchedulerOptions off = io.paligemma.scheduler.SchedulerOptions.defaults()
                .withFeatureCacheBytes(0).withPrefixCacheBytes(0);
        try (PaliGemma cached = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1));
             PaliGemma plain = PaliGemma.load(DEMO.resolve("checkpoint"), Options.defaults().withThreads(1).withScheduler(off))) {
            for (GenerationConfig c : List.of(cfg, sampled)) {
                for (String prompt : List.of("caption en", "answer en what is this?", "caption en")) {
                    assertArrayEquals(plain.generate(image, prompt, c).tokenIds(), cached.generate(image, prompt, c).tokenIds(),
                            prompt + " " + c.sampling());
                }
            }
            var stats = cached.stats();
            assertEquals(1, stats.featureMisses(), "one picture: its features computed once");
            assertTrue(stats.prefixHits() >= 3, "repeated prompts reuse the prefill: " + stats);
            assertEquals(0, plain.stats().featureHits() + plain.stats().prefixHits());
            assertArrayEquals(plain.imageFeatures(image), cached.imageFeatures(image));

            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Generation g = cached.submit(image, "describe en", new GenerationConfig(200, SamplingConfig.GREEDY, false, List.of()),
                    text -> started.countDown());
            assertTrue(started.await(60, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(g.cancel());
            assertThrows(java.util.concurrent.CancellationException.class, g::await);
            assertTrue(cached.generate(image, "caption en", cfg).tokenIds().length > 0, "the model goes on");
        }
    }
}
