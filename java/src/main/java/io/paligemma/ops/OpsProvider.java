package io.paligemma.ops;

import io.paligemma.nativelib.NativeLoadException;
import java.lang.System.Logger.Level;

/**
 * The one place that picks the op implementation. It owns the compute pool, so closing it stops the
 * threads; models receive {@link #ops()} through their constructors. Asking for the native backend
 * when it cannot load is an error that names the cause, never a silent fallback to Java.
 */
public final class OpsProvider implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.paligemma.ops");

    private final Parallel parallel;
    private final Ops ops;

    private OpsProvider(Parallel parallel, Ops ops) {
        this.parallel = parallel;
        this.ops = ops;
    }

    /** threads &lt;= 0 means the default: the number of cores the JVM sees. */
    public static OpsProvider open(Backend backend, int threads) {
        int t = threads > 0 ? threads : defaultThreads();
        Parallel parallel = new Parallel(t);
        try {
            Ops ops = switch (backend) {
                case NATIVE -> new NativeOps(parallel);
                case JAVA -> new JavaOps(parallel);
            };
            LOG.log(Level.INFO, "ops backend: {0}, {1} thread(s)", ops.name(), t);
            return new OpsProvider(parallel, ops);
        } catch (NativeLoadException e) {
            parallel.close();
            throw new NativeLoadException("--backend native cannot be used: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            parallel.close();
            throw e;
        }
    }

    /** Default compute threads: the system property paligemma.threads, else the available processors. */
    public static int defaultThreads() {
        String p = System.getProperty("paligemma.threads");
        if (p != null && !p.isBlank()) {
            return Integer.parseInt(p.trim());
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public Ops ops() {
        return ops;
    }

    public Parallel parallel() {
        return parallel;
    }

    @Override
    public void close() {
        parallel.close();
    }
}
