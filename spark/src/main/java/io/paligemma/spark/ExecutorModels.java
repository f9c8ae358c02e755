package io.paligemma.spark;

import io.paligemma.api.PaliGemma;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The models of this JVM (a Spark executor, or the driver in local mode), one per {@link ModelSpec}: the
 * first task that needs a spec loads it, every later task of any stage leases the same instance, so the
 * weights are mapped once per executor and every task's rows meet in the one model's scheduler, where they
 * decode together. A lease counts a user; a model with no users stays loaded for the next task and is closed
 * when the JVM ends (a shutdown hook) or by {@link #closeIdle()}.
 */
public final class ExecutorModels {
    private static final Map<ModelSpec, Entry> MODELS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "paligemma-executor-models-close"));
    }

    private ExecutorModels() {
    }

    /** A model in use by one task: {@link #close()} gives it back (once; later calls do nothing). */
    public static final class Lease implements AutoCloseable {
        private final Entry entry;
        private final PaliGemma model;
        private boolean closed;

        private Lease(Entry entry, PaliGemma model) {
            this.entry = entry;
            this.model = model;
        }

        public PaliGemma model() {
            return model;
        }

        @Override
        public void close() {
            synchronized (entry) {
                if (!closed) {
                    closed = true;
                    entry.users--;
                }
            }
        }
    }

    /** One spec's model, its users, and how often it was loaded and leased (for tests and logs). */
    private static final class Entry {
        final ModelSpec spec;
        PaliGemma model;          // guarded by this; null until the first lease, or after closeIdle
        int users;                // guarded by this
        final AtomicLong loads = new AtomicLong();
        final AtomicLong leases = new AtomicLong();

        Entry(ModelSpec spec) {
            this.spec = spec;
        }
    }

    /**
     * The spec's model, loaded by the first caller while the others wait for it (a load that fails is tried
     * again by the next caller, and its error goes to this one).
     */
    public static Lease acquire(ModelSpec spec) {
        Entry e = MODELS.computeIfAbsent(spec, Entry::new);
        synchronized (e) {
            if (e.model == null) {
                e.model = spec.open();
                e.loads.incrementAndGet();
            }
            e.users++;
            e.leases.incrementAndGet();
            return new Lease(e, e.model);
        }
    }

    /** How often this JVM loaded the spec's checkpoint. */
    public static long loads(ModelSpec spec) {
        Entry e = MODELS.get(spec);
        return e == null ? 0 : e.loads.get();
    }

    /** How many leases (one per partition that ran) this JVM gave out for the spec. */
    public static long leases(ModelSpec spec) {
        Entry e = MODELS.get(spec);
        return e == null ? 0 : e.leases.get();
    }

    /** Tasks using the spec's model now. */
    public static int users(ModelSpec spec) {
        Entry e = MODELS.get(spec);
        if (e == null) {
            return 0;
        }
        synchronized (e) {
            return e.users;
        }
    }

    /** Closes the models no task uses now (their counters stay); returns how many were closed. */
    public static int closeIdle() {
        List<PaliGemma> idle = new ArrayList<>();
        for (Entry e : MODELS.values()) {
            synchronized (e) {
                if (e.users == 0 && e.model != null) {
                    idle.add(e.model);
                    e.model = null;
                }
            }
        }
        idle.forEach(PaliGemma::close);
        return idle.size();
    }

    /** At JVM exit: every model, used or not (their tasks are gone with the JVM). */
    private static void closeAll() {
        for (Entry e : MODELS.values()) {
            PaliGemma m;
            synchronized (e) {
                m = e.model;
                e.model = null;
            }
            if (m != null) {
                try {
                    m.close();
                } catch (RuntimeException ignored) {
                    // the JVM is ending: nothing to tell, and the other models still close
                }
            }
        }
    }
}
