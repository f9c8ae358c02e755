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

    /** threads 0 means the default (the physical cores); at most {@link #maxThreads()}. */
    public static OpsProvider open(Backend backend, int threads) {
        return open(backend, threads, Compute.F32);
    }

    /** The same with a compute precision for bf16 weights ({@link Compute#BF16}: native backend only). */
    public static OpsProvider open(Backend backend, int threads, Compute compute) {
        if (compute == Compute.BF16 && backend != Backend.NATIVE) {
            throw new IllegalArgumentException("--compute bf16 is a mode of the native backend; the java backend computes in f32");
        }
        int t = threads(threads);
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

    /**
     * The compute threads for a request: 0 means the default; negative or more than {@link #maxThreads()}
     * is an error naming the bound (100,000 threads once took minutes just to start, and hung the load).
     */
    public static int threads(int requested) {
        if (requested < 0 || requested > maxThreads()) {
            throw new IllegalArgumentException("threads must be 0 (the default: " + defaultThreads() + ") or 1.."
                    + maxThreads() + " (4 x the " + Runtime.getRuntime().availableProcessors()
                    + " CPUs this JVM sees), got " + requested);
        }
        return requested > 0 ? requested : defaultThreads();
    }

    /** The most compute threads allowed: 4 × the CPUs the JVM sees (more only adds contention). */
    public static int maxThreads() {
        return 4 * Runtime.getRuntime().availableProcessors();
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
