package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LruCacheTest {
    /** A value of a given size that records being closed. */
    private static final class Entry implements AutoCloseable {
        final long size;
        boolean closed;

        Entry(long size) {
            this.size = size;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void evictsTheLeastRecentlyUsedUntilTheNewOneFitsAndClosesWhatLeaves() {
        LruCache<String, Entry> cache = new LruCache<>(100, e -> e.size);
        Entry a = new Entry(40);
        Entry b = new Entry(40);
        Entry c = new Entry(40);
        cache.put("a", a);
        cache.put("b", b);
        assertSame(a, cache.get("a"));            // a is now the most recent: b goes first
        cache.put("c", c);
        assertNull(cache.get("b"));
        assertTrue(b.closed);
        assertFalse(a.closed);
        assertEquals(80, cache.bytes());
        assertEquals(2, cache.size());
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());
        Entry big = new Entry(101);
        cache.put("big", big);                     // larger than the budget: not kept, closed, nothing evicted
        assertTrue(big.closed);
        assertNull(cache.get("big"));
        assertEquals(2, cache.size());
        Entry a2 = new Entry(60);
        cache.put("a", a2);                        // replacing closes the old value; c (40) + a2 (60) fit
        assertTrue(a.closed);
        assertSame(a2, cache.get("a"));
        assertEquals(100, cache.bytes());
        cache.close();
        assertTrue(a2.closed && c.closed);
        assertEquals(0, cache.bytes());
    }

    @Test
    void aZeroBudgetKeepsNothing() {
        LruCache<String, Entry> cache = new LruCache<>(0, e -> e.size);
        Entry e = new Entry(1);
        assertFalse(cache.accepts(1));
        cache.put("e", e);
        assertTrue(e.closed);
        assertNull(cache.get("e"));
    }
}
