package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.BeamSearchConfig;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.TokenListener;
import io.paligemma.ops.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every answer through the scheduler is the answer of the same request run alone (through the pipeline
 * with no scheduler and no cache), whatever runs beside it: requests of different prompt and answer lengths,
 * greedy and seeded sampling (some with a repetition penalty, which reads each sequence's own tokens, and
 * log-probabilities), beam searches (several rows of each step), both pictures, arriving from several
 * threads in random orders at random times, finishing at different steps, with one prompt piece per step (the most interleaving) and with the default
 * chunk, with the caches on, on Gemma (MQA) and Gemma 2 (sliding window 8 < the prompt) checkpoints and
 * both backends.
 */
class SchedulerExactnessTest {

    @Test
    void answersDoNotDependOnWhatRunsBesideThem() throws Exception {
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny")) {
            for (Backend backend : Backend.values()) {
                try (SchedulerFixture f = new SchedulerFixture(name, backend)) {
                    List<Request> requests = requests(f, 10, 7);
                    List<int[]> alone = new ArrayList<>();
                    for (Request r : requests) {
                        alone.add(Alone.tokens(f.model, r));
                    }
                    long seed = 11;
                    for (SchedulerOptions options : List.of(
                            SchedulerOptions.defaults().withMaxRunning(4).withPrefillChunkTokens(1),
                            SchedulerOptions.defaults().withMaxRunning(16),
                            // the tightest deadline: decodes wait for prompts whenever one may be late
                            SchedulerOptions.defaults().withMaxRunning(6).withPromptDeadline(1),
                            SchedulerOptions.defaults().withMaxRunning(6).withPromptDeadline(0),
                            SchedulerOptions.defaults().withMaxRunning(3).withFeatureCacheBytes(0).withPrefixCacheBytes(0))) {
                        try (Scheduler s = f.scheduler(options, 96)) {
                            List<int[]> got = runInRandomOrder(s, requests, new SplittableRandom(seed++));
                            for (int i = 0; i < requests.size(); i++) {
                                assertArrayEquals(alone.get(i), got.get(i), name + " " + backend + " request " + i + " " + options);
                            }
                            SchedulerStats st = s.stats();
                            assertEquals(requests.size(), st.completed());
                            assertEquals(0, st.running());
                            assertEquals(0, st.kvCacheBytes());
                            assertTrue(st.decodeRows() > 0);
                        }
                    }
                }
            }
        }
    }

    /**
     * n requests: both pictures, the case's prompt and prompts of 1 to 20 text tokens (two repeated, so the
     * prefix cache has something to find), answers of 1 to 24 tokens, every other one sampled with its own
     * seed; EOS does not end them, so they finish at the steps their lengths say.
     */
    static List<Request> requests(SchedulerFixture f, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = i % 5 == 0 ? f.prompt : f.prompt(1 + rnd.nextInt(20), seed * 100 + i % 4);
            GenerationConfig g = new GenerationConfig(1 + rnd.nextInt(24), SamplingConfig.GREEDY, false, List.of());
            if (i % 2 == 1) {
                g = g.withSampling(new SamplingConfig(1f, 30, 0.9f, 0f, 1000 + i));
            }
            if (i % 3 == 2) {
                // a repetition penalty reads the sequence's own input_ids (prompt + its tokens), logprobs its distribution
                g = g.withSampling(g.sampling().withRepetitionPenalty(1.3f)).withLogprobs(2);
            }
            if (i % 5 == 3) {
                // beam search: 2 or 3 rows of each step, with the n-gram ban reading each beam's own sequence
                g = new GenerationConfig(g.maxNewTokens(), SamplingConfig.GREEDY.withNoRepeatNgramSize(2), false, List.of())
                        .withBeams(new BeamSearchConfig(2 + i % 2, 1, 1.0, BeamSearchConfig.EarlyStopping.FALSE));
            }
            out.add(f.request(rnd.nextInt(2), ids, g, TokenListener.NONE));
        }
        return out;
    }

    /** Submits the requests in a random order from three threads with random pauses; returns the tokens in request order. */
    static List<int[]> runInRandomOrder(Scheduler s, List<Request> requests, SplittableRandom rnd) throws Exception {
        int n = requests.size();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        for (int i = n - 1; i > 0; i--) {
            java.util.Collections.swap(order, i, rnd.nextInt(i + 1));
        }
        RequestHandle[] handles = new RequestHandle[n];
        long[] pauses = new long[n];
        for (int i = 0; i < n; i++) {
            pauses[i] = rnd.nextInt(4);
        }
        Thread[] threads = new Thread[3];
        Throwable[] error = new Throwable[1];
        for (int t = 0; t < threads.length; t++) {
            int first = t;
            threads[t] = new Thread(() -> {
                try {
                    for (int k = first; k < n; k += threads.length) {
                        Thread.sleep(pauses[k]);
                        int i = order.get(k);
                        handles[i] = s.submit(requests.get(i));
                    }
                } catch (Throwable e) {
                    error[0] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (error[0] != null) {
            throw new AssertionError(error[0]);
        }
        List<int[]> out = new ArrayList<>();
        for (RequestHandle h : handles) {
            out.add(h.result().get(120, TimeUnit.SECONDS).tokens());
        }
        return out;
    }
}
