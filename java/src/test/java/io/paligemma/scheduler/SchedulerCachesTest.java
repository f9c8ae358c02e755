package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.ops.Backend;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The image-feature cache and the exact prefix cache: hits where the rule allows them, none where it does
 * not, and answers bit-identical to the same requests run alone without any cache.
 */
class SchedulerCachesTest {
    private static final GenerationConfig GREEDY = new GenerationConfig(12, SamplingConfig.GREEDY, false, List.of());

    private static GenerationConfig sampled(long seed) {
        return GREEDY.withSampling(new SamplingConfig(1f, 40, 0.95f, 0f, seed));
    }

    @Test
    void aSecondQuestionAboutAPictureReusesOnlyItsFeatures() throws Exception {
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny")) {
            for (Backend backend : Backend.values()) {
                try (SchedulerFixture f = new SchedulerFixture(name, backend);
                     Scheduler s = f.scheduler(SchedulerOptions.defaults(), 64)) {
                    int[] other = f.prompt(9, 5);
                    Request first = f.request(0, f.prompt, GREEDY, TokenListener.NONE);
                    Request second = f.request(0, other, GREEDY, TokenListener.NONE);
                    Outcome a = s.submit(first).result().get(60, TimeUnit.SECONDS);
                    Outcome b = s.submit(second).result().get(60, TimeUnit.SECONDS);
                    assertFalse(a.featuresReused() || a.prefixReused());
                    assertTrue(b.featuresReused(), name + " " + backend + ": the same picture's features are reused");
                    assertFalse(b.prefixReused(), "a different prompt never reuses decoder keys and values");
                    assertArrayEquals(Alone.tokens(f.model, first), a.tokens());
                    assertArrayEquals(Alone.tokens(f.model, second), b.tokens(), name + " " + backend);
                    SchedulerStats st = s.stats();
                    assertEquals(1, st.featureHits());
                    assertEquals(0, st.prefixHits());
                    // the features themselves: bit for bit what the vision tower gives
                    Request features = new Request(f.pictures[0], first.image(), f.prompt, GREEDY,
                            Sequence.Goal.IMAGE_FEATURES, TokenListener.NONE);
                    Outcome cached = s.submit(features).result().get(60, TimeUnit.SECONDS);
                    assertTrue(cached.featuresReused());
                    assertArrayEquals(Alone.output(f.model, features), cached.output(), name + " " + backend);
                }
            }
        }
    }

    @Test
    void theSamePictureAndPromptReuseTheWholePrefillAndStillSampleWithTheirOwnSeeds() throws Exception {
        for (String name : List.of("paligemma-tiny", "paligemma2-tiny")) {
            for (Backend backend : Backend.values()) {
                try (SchedulerFixture f = new SchedulerFixture(name, backend);
                     Scheduler s = f.scheduler(SchedulerOptions.defaults(), 64)) {
                    Outcome greedy = s.submit(f.request(1, f.prompt, GREEDY, TokenListener.NONE)).result().get(60, TimeUnit.SECONDS);
                    assertFalse(greedy.prefixReused());
                    for (long seed = 1; seed <= 3; seed++) {
                        Request r = f.request(1, f.prompt, sampled(seed), TokenListener.NONE);
                        Outcome o = s.submit(r).result().get(60, TimeUnit.SECONDS);
                        assertTrue(o.prefixReused(), name + " " + backend + " seed " + seed);
                        assertArrayEquals(Alone.tokens(f.model, r), o.tokens(), name + " " + backend + " seed " + seed);
                    }
                    Outcome again = s.submit(f.request(1, f.prompt, GREEDY, TokenListener.NONE)).result().get(60, TimeUnit.SECONDS);
                    assertTrue(again.prefixReused());
                    assertArrayEquals(greedy.tokens(), again.tokens());
                    // the other picture with the same ids is another prefix
                    Outcome otherPicture = s.submit(f.request(0, f.prompt, GREEDY, TokenListener.NONE)).result().get(60, TimeUnit.SECONDS);
                    assertFalse(otherPicture.prefixReused() || otherPicture.featuresReused());
                    assertEquals(4, s.stats().prefixHits());
                }
            }
        }
    }

    @Test
    void budgetsTooSmallForAnEntryCacheNothingAndChangeNothing() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture("paligemma2-tiny", Backend.NATIVE);
             Scheduler s = f.scheduler(SchedulerOptions.defaults().withFeatureCacheBytes(16).withPrefixCacheBytes(16), 64)) {
            Request r = f.request(0, f.prompt, GREEDY, TokenListener.NONE);
            Outcome a = s.submit(r).result().get(60, TimeUnit.SECONDS);
            Outcome b = s.submit(r).result().get(60, TimeUnit.SECONDS);
            assertFalse(b.featuresReused() || b.prefixReused());
            assertArrayEquals(a.tokens(), b.tokens());
            assertEquals(0, s.stats().featureHits() + s.stats().prefixHits());
        }
    }

    @Test
    void featuresOfOneModelAreNeverAnotherModelsFeatures() {
        float[] pixels = new float[12];
        assertFalse(ImageKey.of("model A", pixels).equals(ImageKey.of("model B", pixels)));
        float[] changed = pixels.clone();
        changed[11] = Math.ulp(0f);
        assertFalse(ImageKey.of("model A", pixels).equals(ImageKey.of("model A", changed)), "one ulp is another picture");
        assertEquals(ImageKey.of("model A", pixels), ImageKey.of("model A", pixels.clone()));
    }
}
