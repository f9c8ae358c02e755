package io.paligemma.gemma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paligemma.config.GemmaConfig;
import java.util.Arrays;
import java.util.IdentityHashMap;
import org.junit.jupiter.api.Test;

/** Copying a cache's positions into another, and beam search's reorder of a request's caches. */
class KvCacheTest {
    private static final GemmaConfig C = new GemmaConfig("gemma", 16, 8, 16, 2, 2, 1, 4, "gelu_pytorch_tanh", 64, 1e-6,
            10000, true, null);
    private static final int KVD = 4;   // kv heads × head dim

    @Test
    void copyRowsCopiesTheRangeInEveryLayerAndSetsTheLength() {
        try (KvCache a = cache(1, 6); KvCache b = cache(2, 3)) {
            b.copyRows(a, 2, 5);
            assertEquals(5, b.length());
            for (int l = 0; l < 2; l++) {
                assertEquals(2 * 1000 + l * 100 + 1, b.keys(l).get(1, 0));      // below from: its own
                assertEquals(1000 + l * 100 + 2, b.keys(l).get(2, 3));           // copied
                assertEquals(-(1000 + l * 100 + 4), b.values(l).get(4, 2));
            }
            assertThrows(IllegalArgumentException.class, () -> b.copyRows(a, 6, 6));   // from beyond its own length
            assertThrows(IllegalArgumentException.class, () -> b.copyRows(a, 0, 7));   // beyond the source
            assertThrows(IllegalArgumentException.class, () -> b.copyRows(b, 0, 1));   // itself
        }
    }

    @Test
    void reorderGivesEachBeamItsParentsPositionsKeepingTheSharedPrompt() {
        int prompt = 3;
        KvCache[] caches = {cache(0, 5), cache(0, 3), cache(0, 3), cache(0, 3)};
        for (int b = 1; b < 4; b++) {
            writeTail(caches[b], b, prompt, 5);              // the same prompt rows, each beam's own rows after it
        }
        KvCache[] before = caches.clone();
        int[] parents = {2, 2, 0, 2};                        // beams 1 and 3 are dropped; beam 2 has three children
        KvCache[] after = KvCache.reorder(caches, parents, prompt);
        assertSame(before[2], after[0]);                     // the first child keeps its parent's cache
        assertSame(before[0], after[2]);
        IdentityHashMap<KvCache, Boolean> seen = new IdentityHashMap<>();
        for (KvCache c : after) {
            seen.put(c, true);
        }
        assertEquals(4, seen.size());                        // the same four objects, none twice
        for (int b = 0; b < 4; b++) {
            assertEquals(5, after[b].length());
            int tag = parents[b];
            for (int l = 0; l < 2; l++) {
                for (int p = 0; p < 5; p++) {
                    int want = (p < prompt ? 0 : tag) * 1000 + l * 100 + p;
                    assertEquals(want, after[b].keys(l).get(p, 1), "beam " + b + " layer " + l + " position " + p);
                    assertEquals(-want, after[b].values(l).get(p, 3));
                }
            }
        }
        assertNotSame(after[1], after[3]);
        Arrays.stream(after).forEach(KvCache::close);
        assertThrows(IllegalArgumentException.class, () -> KvCache.reorder(new KvCache[2], new int[] {0, 2}, 0));
    }

    /** A cache whose positions [0, length) hold the tag's values. */
    private static KvCache cache(int tag, int length) {
        KvCache c = new KvCache(C, 10);
        writeTail(c, tag, 0, length);
        return c;
    }

    /**
     * Positions [from, to) of {@code c} get the tag's values (row p of layer l: keys tag·1000 + l·100 + p, values its
     * negation) and its length becomes {@code to}: copied from a scratch cache a forward-like advance filled.
     */
    private static void writeTail(KvCache c, int tag, int from, int to) {
        try (KvCache scratch = new KvCache(C, 10)) {
            for (int l = 0; l < C.numHiddenLayers(); l++) {
                for (int p = 0; p < to; p++) {
                    for (int j = 0; j < KVD; j++) {
                        scratch.keys(l).set(p, j, tag * 1000 + l * 100 + p);
                        scratch.values(l).set(p, j, -(tag * 1000 + l * 100 + p));
                    }
                }
            }
            scratch.advance(new KvSegment(scratch, 0, to, to));
            c.copyRows(scratch, from, to);
        }
    }
}
