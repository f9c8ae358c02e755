package io.paligemma.scheduler;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Least-recently-used entries under a budget of bytes: an entry larger than the budget is not kept, and
 * inserting evicts the least recently used ones until the new one fits. Evicted and replaced values are
 * closed. Used by the scheduler's thread only (no locking); {@link #hits()} and {@link #misses()} may be
 * read from any thread.
 */
final class LruCache<K, V extends AutoCloseable> implements AutoCloseable {
    private final long budget;
    private final java.util.function.ToLongFunction<V> sizeOf;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private volatile long hits;
    private volatile long misses;

    LruCache(long budget, java.util.function.ToLongFunction<V> sizeOf) {
        this.budget = budget;
        this.sizeOf = sizeOf;
    }

    /** The entry, now the most recently used; null on a miss. */
    V get(K key) {
        V v = entries.get(key);
        if (v == null) {
            misses++;
        } else {
            hits++;
        }
        return v;
    }

    /** Whether a value would be kept at all: the budget is not 0 and it fits into it. */
    boolean accepts(long size) {
        return size > 0 && size <= budget;
    }

    /** Keeps value (taking ownership: closed when evicted); a value larger than the budget is closed at once. */
    void put(K key, V value) {
        long size = sizeOf.applyAsLong(value);
        if (!accepts(size)) {
            closeQuietly(value);
            return;
        }
        V old = entries.remove(key);
        if (old != null) {
            bytes -= sizeOf.applyAsLong(old);
            closeQuietly(old);
        }
        Iterator<Map.Entry<K, V>> eldest = entries.entrySet().iterator();
        while (bytes + size > budget && eldest.hasNext()) {
            V evicted = eldest.next().getValue();
            eldest.remove();
            bytes -= sizeOf.applyAsLong(evicted);
            closeQuietly(evicted);
        }
        entries.put(key, value);
        bytes += size;
    }

    long bytes() {
        return bytes;
    }

    int size() {
        return entries.size();
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    @Override
    public void close() {
        entries.values().forEach(LruCache::closeQuietly);
        entries.clear();
        bytes = 0;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a cache entry failed", e);
        }
    }
}
