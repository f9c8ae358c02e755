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
        return open(backend, threads, Compute.F32);
    }

    /** The same with a compute precision for bf16 weights ({@link Compute#BF16}: native backend only). */
    public static OpsProvider open(Backend backend, int threads, Compute compute) {
        if (compute == Compute.BF16 && backend != Backend.NATIVE) {
            throw new IllegalArgumentException("--compute bf16 is a mode of the native backend; the java backend computes in f32");
        }
        int t = threads > 0 ? threads : defaultThreads();
        Parallel parallel = new Parallel(t);
        try {
            Ops ops = switch (backend) {
                case NATIVE -> new NativeOps(parallel, compute);
                case JAVA -> new JavaOps(parallel);
            };
            LOG.log(Level.INFO, "ops backend: {0}, {1} thread(s)", ops.name(), t);
            if (backend == Backend.JAVA) {
                warnIfProfiledLoopPredicates();
            }
            return new OpsProvider(parallel, ops);
        } catch (NativeLoadException e) {
            parallel.close();
            throw new NativeLoadException("--backend native cannot be used: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            parallel.close();
            throw e;
        }
    }

    private static volatile boolean predicateWarned;

    /**
     * With C2's profiled loop predicates on (the JVM default), the Vector API kernels of the Java backend
     * fall into a deoptimize/recompile loop when they see buffers of several sizes, as a model does:
     * SigLIP on the Java backend took 3.6-4.4 s instead of 1.8 s (PaliGemma-3B bf16, `paligemma
     * profile`, -Xlog:deoptimization shows "profile_predicate" traps in RowOps.layerNorm on every call).
     * The launcher, the tests and the JMH forks pass -XX:-UseProfiledLoopPredicate; an embedding JVM
     * that does not gets this warning once.
     */
    private static void warnIfProfiledLoopPredicates() {
        if (predicateWarned) {
            return;
        }
        predicateWarned = true;
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (vm != null && "true".equals(vm.getVMOption("UseProfiledLoopPredicate").getValue())) {
                LOG.log(Level.WARNING, "the java backend runs up to 2x slower with C2's profiled loop predicates: "
                        + "start the JVM with -XX:-UseProfiledLoopPredicate");
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or no such option: nothing to advise
        }
    }

    /**
     * Default compute threads: the system property paligemma.threads, else the physical cores this JVM
     * may use ({@link CpuTopology}: hyperthreads add contention, not throughput, to these kernels).
     */
    public static int defaultThreads() {
        String p = System.getProperty("paligemma.threads");
        if (p != null && !p.isBlank()) {
            return Integer.parseInt(p.trim());
        }
        return CpuTopology.physicalCores();
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
