package io.paligemma.ops;

import static io.paligemma.bindings.cblas_h.CblasNoTrans;
import static io.paligemma.bindings.cblas_h.CblasRowMajor;
import static io.paligemma.bindings.cblas_h.CblasTrans;

import io.paligemma.bindings.cblas_h;
import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.nativelib.NativeLibraries;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The native backend: every nn.Linear through the C kernels of native/ (pg_gemm_f32 / bf16 / f16 / q8),
 * the attention products through OpenBLAS ({@code cblas_sgemm}, and {@code cblas_sgemv} for one row,
 * where sgemm runs at a third of the speed), every other op through the C kernels. Threads: OpenBLAS gets
 * the same count as the shared {@link Parallel} pool, which splits our GEMMs by output columns.
 *
 * <p>Float32 weights go through our kernels too, not sgemm/sgemv: at decode the stream kernel reads the
 * weights with prefetch and several rows per tile (PaliGemma-3B f32 decode 3.11 tok/s through sgemv, 3.9-4.3
 * through pg_gemm_f32, BENCHMARKS.md runs L, M, N), and at prefill the packed kernel beat OpenBLAS 0.3.31's
 * sgemm in paired `profile` runs (PaliGemma-3B f32, 2 threads: prefill 5.8-6.1 s against 6.7-7.5 s, vision
 * 1.21-1.37 s against 1.30-1.64 s).
 *
 * <p>16-bit weights never go through OpenBLAS: pg_gemm_bf16 / pg_gemm_f16 convert them while packing
 * (prefill) or in registers (decode), so each weight byte is read once. An earlier version widened
 * blocks of weights into an f32 buffer for sgemm; once OpenBLAS's idle threads stopped spinning (see
 * NativeLibraries), the packed kernel beat it on every PaliGemma shape (down_proj 268x16384x2048: 1.45x).
 */
public final class NativeOps implements Ops {

    /** Elements per parallel piece of the element-wise kernels: below this a hand-off costs more than it saves. */
    private static final int CHUNK = 1 << 16;
    /** Output columns per parallel chunk of a 16-bit GEMM: whole cache lines of y, enough work per task. */
    private static final int GEMM_GRAIN = 64;
    /** Rows of activations per thread's share of a Q8_0 quantization (prefill splits it; decode does not). */
    private static final int QUANTIZE_SPLIT_ROWS = 16;

    /**
     * From this many rows a BF16 product runs on AMX tiles when the CPU has them: below it most of each
     * 16-row tile would be padding (estimate of the kernel's author from instruction counts).
     */
    private static final int AMX_MIN_ROWS = 16;
    /** Activations split into three bf16 parts: f32 accuracy from bf16 tiles (see gemm_amx.c). */
    private static final int AMX_TERMS = 3;

    /**
     * Stack kept free beyond the kernel's own frames: the JVM's guard zones at the stack's low end
     * (red, yellow and reserved pages) and the libc calls below the kernel.
     */
    private static final long STACK_MARGIN = 64 * 1024;

    private final Parallel parallel;
    private final boolean amx; // AMX tiles present and granted by the OS for this process
    private final boolean bf16Compute; // Compute.BF16: bf16 activations (one bf16 part) on the dot-product units

    /** Loads the libraries (an error names the cause) and sets OpenBLAS to the pool's thread count. */
    public NativeOps(Parallel parallel) {
        this(parallel, Compute.F32);
    }

    /**
     * The same with a compute precision for bf16 weights; {@link Compute#BF16} needs AMX tiles or
     * AVX512-BF16 at the instruction set in use, and says so when they are missing.
     */
    public NativeOps(Parallel parallel, Compute compute) {
        NativeLibraries.load();
        KernelIsa.applySystemProperty();
        this.parallel = parallel;
        cblas_h.openblas_set_num_threads(parallel.threads());
        this.amx = pg_kernels_h.pg_amx_request() == 1;
        boolean dp = (pg_kernels_h.pg_cpu_features() & pg_kernels_h.PG_CPU_AVX512_BF16()) != 0;
        if (compute == Compute.BF16 && (KernelIsa.inUse() != KernelIsa.AVX512 || !(amx || dp))) {
            throw new IllegalArgumentException("--compute bf16 needs bf16 dot-product hardware (AMX tiles or AVX512-BF16) "
                    + "at the instruction set in use (" + KernelIsa.inUse().id() + "); this CPU "
                    + (KernelIsa.supported() != KernelIsa.AVX512 ? "has no AVX-512" : dp ? "is capped below AVX-512 (--isa)"
                    : "has neither") + ": use the default f32 compute");
        }
        this.bf16Compute = compute == Compute.BF16;
    }


    /**
     * The instruction set the kernels use, after {@code -Dpaligemma.isa} (e.g. "avx2 (capped; this CPU
     * supports avx512)"), or why the native libraries do not load.
     */
    public static String kernelIsaSummary() {
        try {
            KernelIsa.applySystemProperty();
            KernelIsa best = KernelIsa.supported();
            KernelIsa used = KernelIsa.inUse();
            return used.id() + (used == best ? " (the best this CPU supports)" : " (capped; this CPU supports " + best.id() + ")");
        } catch (RuntimeException | LinkageError e) {
            return "not available: " + e.getMessage();
        }
    }

    /** Facts about the loaded native libraries, for {@code paligemma info}; loads them first. */
    public static java.util.Map<String, String> describe() {
        NativeLibraries.Loaded lib = NativeLibraries.load();
        var facts = new java.util.LinkedHashMap<String, String>();
        int cpu = pg_kernels_h.pg_cpu_features();
        // asked before the kernel paths are named: a grant turns on the bf16 and int8 tiles
        boolean amxGranted = pg_kernels_h.pg_amx_request() == 1;
        facts.put("kernels library", lib.kernels().toString());
        facts.put("kernels build", pg_kernels_h.pg_build_info().reinterpret(4096).getString(0));
        StringBuilder f = new StringBuilder();
        if ((cpu & pg_kernels_h.PG_CPU_AVX512F()) != 0) {
            f.append("avx512f ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_AVX512_BF16()) != 0) {
            f.append("avx512_bf16 ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_AMX_BF16()) != 0) {
            f.append("amx_bf16 ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_AMX_INT8()) != 0) {
            f.append("amx_int8 ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_F16C()) != 0) {
            f.append("f16c ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_AVX2()) != 0) {
            f.append("avx2+fma ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_AVX512_VNNI()) != 0) {
            f.append("avx512_vnni ");
        }
        if ((cpu & pg_kernels_h.PG_CPU_AVX_VNNI()) != 0) {
            f.append("avx_vnni ");
        }
        facts.put("cpu features", f.toString().trim().isEmpty() ? "baseline x86-64 (portable kernels)" : f.toString().trim());
        // AVX512-BF16 alone is not used: exact-enough results need activations split into 2-3 bf16 parts,
        // and on Zen 4 that runs no faster than the f32 FMA on widened weights (bench_gemm: 2 parts 86,
        // 3 parts 59, f32 89-99 GFLOP/s on one core; see DESIGN.md).
        String why = (cpu & pg_kernels_h.PG_CPU_AMX_BF16()) != 0 ? "AMX present but not granted by the OS"
                : "no AMX on this CPU";
        if ((cpu & pg_kernels_h.PG_CPU_AVX512_BF16()) != 0) {
            why += "; AVX512-BF16 unused: at f32 accuracy it needs 2-3 bf16 parts per activation, slower than f32 FMA";
        }
        facts.put("bf16 products", amxGranted
                ? "AMX tiles for >= " + AMX_MIN_ROWS + " rows (activations split in 3 bf16 parts), f32 FMA below"
                : "weights widened to f32 in registers (converted panels for many rows), f32 FMA (" + why + ")");
        facts.put("kernel isa", kernelIsaSummary() + "; --isa or -Dpaligemma.isa to cap");
        String[] families = {"softmax", "rope", "norms", "activations", "elementwise", "conversions",
            "products (bf16/f16/f32 weights)", "bf16 dot products", "roofline probes", "int8 products (q8_0 weights)"};
        for (int fam = 0; fam < pg_kernels_h.PG_FAMILY_COUNT(); fam++) {
            facts.put("  " + families[fam], pg_kernels_h.pg_kernel_path(fam).reinterpret(4096).getString(0));
        }
        facts.put("openblas library", lib.openBlas().toString());
        facts.put("openblas config", cblas_h.openblas_get_config().reinterpret(4096).getString(0).trim());
        facts.put("openblas core", cblas_h.openblas_get_corename().reinterpret(4096).getString(0));
        facts.put("openblas threads", Integer.toString(cblas_h.openblas_get_num_threads()));
        facts.put("openblas idle spin", "2^" + NativeLibraries.cEnvironment("OPENBLAS_THREAD_TIMEOUT")
                + " cycles (OPENBLAS_THREAD_TIMEOUT)");
        return facts;
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public int threads() {
        return parallel.threads();
    }

    @Override
    public int maxDecodeRows() {
        // below these row counts every weight type runs its stream / integer decode kernel, row by row
        int rows = Math.min(pg_kernels_h.PG_GEMM_PACKED_MIN_M(), pg_kernels_h.PG_GEMM_Q8_PACKED_MIN_M());
        if (amx || bf16Compute) {
            rows = Math.min(rows, AMX_MIN_ROWS); // bf16 weights go to the tiles / VDPBF16PS from here
        }
        return rows - 1;
    }

    @Override
    public void linear(MemorySegment x, int m, int k, Tensor w, MemorySegment bias, MemorySegment y) {
        int n = Checks.linear(x, m, k, w, bias, y);
        offHeap("linear", x, bias, y, w.data());
        if (m == 0 || n == 0) {
            return;
        }
        MemorySegment wd = w.data();
        switch (w.dtype()) {
            // our kernels, not sgemm / sgemv (see the class comment)
            case F32 -> parallel.forRange(n, GEMM_GRAIN, (start, end) -> {
                requireStack(w, pg_kernels_h.PG_GEMM_STACK_BYTES()); // both paths (see below)
                pg_kernels_h.pg_gemm_f32(x, k, wd, y, n, m, k, start, end);
            });
            case BF16, F16 -> {
                boolean bf16 = w.dtype() == DType.BF16;
                // AMX needs AVX-512 too: a cap below it (--isa) turns the tiles off like every other AVX-512 path
                boolean avx512 = pg_kernels_h.pg_isa_in_use() == pg_kernels_h.PG_ISA_AVX512();
                boolean tiles = bf16 && amx && m >= AMX_MIN_ROWS && avx512;
                boolean dp = bf16 && bf16Compute && !tiles && m >= AMX_MIN_ROWS && avx512;
                int terms = bf16Compute ? 1 : AMX_TERMS; // bf16 parts per activation on the dot-product units
                parallel.forRange(n, GEMM_GRAIN, (start, end) -> {
                    requireStack(w, tiles || dp ? pg_kernels_h.PG_GEMM_AMX_STACK_BYTES()
                            : pg_kernels_h.PG_GEMM_STACK_BYTES());
                    if (tiles) {
                        pg_kernels_h.pg_gemm_bf16_amx(x, k, wd, y, n, m, k, start, end, terms);
                    } else if (dp) {
                        pg_kernels_h.pg_gemm_bf16_dp(x, k, wd, y, n, m, k, start, end, terms);
                    } else if (bf16) {
                        pg_kernels_h.pg_gemm_bf16(x, k, wd, y, n, m, k, start, end);
                    } else {
                        pg_kernels_h.pg_gemm_f16(x, k, wd, y, n, m, k, start, end);
                    }
                });
            }
            case Q8_0 -> linearQ8(x, m, k, w, y, n);
            default -> throw new IllegalArgumentException("linear: no kernel for " + w);
        }
        if (bias != null) {
            pg_kernels_h.pg_add_bias_rows(y, bias, m, n);
        }
    }

    /**
     * Q8_0 weights: activations quantized per block (rows split over the threads), then the integer products
     * of pg_gemm_q8, every thread its columns; from PG_GEMM_Q8_PACKED_MIN_M rows it runs its packed path,
     * whose panels are on the stack (108 KB; 124 KB on AMX-INT8 tiles, which it takes by itself once
     * pg_amx_request granted them: both within PG_GEMM_STACK_BYTES).
     */
    private void linearQ8(MemorySegment x, int m, int k, Tensor w, MemorySegment y, int n) {
        MemorySegment q = w.data();
        MemorySegment s = w.scales();
        Q8Scratch scratch = Q8Scratch.forRows(m, k, false);
        MemorySegment xq = scratch.xq(m, k);
        MemorySegment xs = scratch.xs(m, k);
        long kb = Q8.blocks(k);
        long ldq = kb * Q8.BLOCK;
        if (m < QUANTIZE_SPLIT_ROWS) {
            pg_kernels_h.pg_quantize_q8(x, k, m, k, xq, xs);
        } else {
            parallel.forRange(m, QUANTIZE_SPLIT_ROWS, (i0, i1) -> pg_kernels_h.pg_quantize_q8(
                    x.asSlice(i0 * (long) k * 4), k, i1 - i0, k, xq.asSlice(i0 * ldq), xs.asSlice(i0 * kb * 4)));
        }
        boolean packed = m >= pg_kernels_h.PG_GEMM_Q8_PACKED_MIN_M();
        parallel.forRange(n, GEMM_GRAIN, (start, end) -> {
            if (packed) {
                requireStack(w, pg_kernels_h.PG_GEMM_STACK_BYTES());
            }
            pg_kernels_h.pg_gemm_q8(xq, xs, q, s, y, n, m, k, start, end);
        });
    }

    /**
     * The 16-bit and float32 GEMM kernels keep their panels (packed path, 145 KB; 230 KB on AMX) or their
     * partial sums (stream path, 68 KB) on the calling thread's stack. A
     * thread started with a trimmed stack (a small -Xss or Thread stackSize) would overflow it and take the
     * process down, so the thread's free stack is checked first and a shortfall is an error.
     */
    private static void requireStack(Tensor w, long kernelBytes) {
        long free = pg_kernels_h.pg_stack_headroom();
        long need = kernelBytes + STACK_MARGIN;
        if (free >= 0 && free < need) {                 // the message is built here only: this runs for every task
            throw new IllegalStateException("linear " + w.name() + ": thread " + Thread.currentThread().getName() + " has "
                    + free / 1024 + " KB of stack left, the native kernel needs " + need / 1024
                    + " KB: call the engine from a thread with a larger stack (the JVM default, -Xss1m, or more)");
        }
    }

    @Override
    public void matmulTransB(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc,
                             int m, int n, int k, float alpha) {
        Checks.matmulTransB(a, lda, b, ldb, c, ldc, m, n, k);
        offHeap("matmulTransB", a, b, c, null);
        if (m == 0 || n == 0) {
            return;
        }
        if (m == 1) {
            cblas_h.cblas_sgemv(CblasRowMajor(), CblasNoTrans(), n, k, alpha, b, ldb, a, 1, 0f, c, 1);
        } else {
            cblas_h.cblas_sgemm(CblasRowMajor(), CblasNoTrans(), CblasTrans(), m, n, k, alpha, a, lda, b, ldb, 0f, c, ldc);
        }
    }

    @Override
    public void matmul(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k) {
        Checks.matmul(a, lda, b, ldb, c, ldc, m, n, k);
        offHeap("matmul", a, b, c, null);
        if (m == 0 || n == 0) {
            return;
        }
        if (m == 1) {
            cblas_h.cblas_sgemv(CblasRowMajor(), CblasTrans(), k, n, 1f, b, ldb, a, 1, 0f, c, 1);
        } else {
            cblas_h.cblas_sgemm(CblasRowMajor(), CblasNoTrans(), CblasNoTrans(), m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
        }
    }

    @Override
    public void softmaxRows(MemorySegment x, int rows, int cols, int ld, float scale, float softcap,
                            MemorySegment keyLo, MemorySegment keyHi) {
        Checks.softmaxRows(x, rows, cols, ld, keyLo, keyHi);
        offHeap("softmaxRows", x, keyLo, keyHi, null);
        parallel.forRange(rows, 1, (r0, r1) -> pg_kernels_h.pg_softmax_rows(from(x, (long) r0 * ld * Float.BYTES),
                r1 - r0, cols, ld, scale, softcap, from(keyLo, r0 * 4L), from(keyHi, r0 * 4L)));
    }

    @Override
    public void ropeRotateHalf(MemorySegment x, int tokens, int heads, int headDim, int tokenStride,
                               MemorySegment cos, MemorySegment sin) {
        Checks.rope(x, tokens, heads, headDim, tokenStride, cos, sin);
        offHeap("ropeRotateHalf", x, cos, sin, null);
        long half = headDim / 2;
        parallel.forRange(tokens, 1, (t0, t1) -> pg_kernels_h.pg_rope_rotate_half(
                from(x, (long) t0 * tokenStride * Float.BYTES), t1 - t0, heads, headDim, tokenStride,
                from(cos, t0 * half * Float.BYTES), from(sin, t0 * half * Float.BYTES)));
    }

    @Override
    public void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int dim, float eps) {
        Checks.norm("rmsNorm", out, x, weight, null, rows, dim, false);
        offHeap("rmsNorm", out, x, weight, null);
        parallel.forRange(rows, 1, (r0, r1) -> pg_kernels_h.pg_rms_norm(rows(out, r0, dim), rows(x, r0, dim), weight,
                r1 - r0, dim, eps));
    }

    @Override
    public void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                          int rows, int dim, float eps) {
        Checks.norm("layerNorm", out, x, weight, bias, rows, dim, true);
        offHeap("layerNorm", out, x, weight, bias);
        parallel.forRange(rows, 1, (r0, r1) -> pg_kernels_h.pg_layer_norm(rows(out, r0, dim), rows(x, r0, dim), weight,
                bias, r1 - r0, dim, eps));
    }

    @Override
    public void geluTanh(MemorySegment out, MemorySegment x, long n) {
        Checks.elementwise("geluTanh", n, "x", x, "out", out);
        offHeap("geluTanh", out, x, null, null);
        parallel.forElements(n, CHUNK, (s, e) -> pg_kernels_h.pg_gelu_tanh(at(out, s), at(x, s), e - s));
    }

    @Override
    public void geglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n) {
        Checks.elementwise("geglu", n, "gate", gate, "up", up, "out", out);
        offHeap("geglu", out, gate, up, null);
        parallel.forElements(n, CHUNK, (s, e) -> pg_kernels_h.pg_geglu(at(out, s), at(gate, s), at(up, s), e - s));
    }

    @Override
    public void softcap(MemorySegment x, long n, float cap) {
        Checks.softcap(x, n, cap);
        offHeap("softcap", x, null, null, null);
        parallel.forElements(n, CHUNK, (s, e) -> pg_kernels_h.pg_softcap(at(x, s), e - s, cap));
    }

    @Override
    public void add(MemorySegment out, MemorySegment a, MemorySegment b, long n) {
        Checks.elementwise("add", n, "a", a, "b", b, "out", out);
        offHeap("add", out, a, b, null);
        parallel.forElements(n, CHUNK, (s, e) -> pg_kernels_h.pg_add(at(out, s), at(a, s), at(b, s), e - s));
    }

    @Override
    public void scale(MemorySegment x, long n, float s) {
        Checks.elementwise("scale", n, "x", x);
        offHeap("scale", x, null, null, null);
        parallel.forElements(n, CHUNK, (start, end) -> pg_kernels_h.pg_scale(at(x, start), end - start, s));
    }

    @Override
    public void toF32(MemorySegment out, Tensor src, long offset, long n) {
        Checks.toF32(out, src, offset, n);
        offHeap("toF32", out, src.data(), null, null);
        MemorySegment in = src.data().asSlice(offset * src.dtype().size, n * src.dtype().size);
        switch (src.dtype()) {
            case F32 -> MemorySegment.copy(in, 0, out, 0, n * Float.BYTES);
            case BF16 -> pg_kernels_h.pg_bf16_to_f32(out, in, n);
            case F16 -> pg_kernels_h.pg_f16_to_f32(out, in, n);
            case Q8_0 -> pg_kernels_h.pg_dequantize_q8(src.data(), src.scales(), src.dim(1), offset / src.dim(1),
                    n / src.dim(1), out);
            default -> throw new IllegalArgumentException("toF32: " + src + " is not a weight tensor");
        }
    }

    /**
     * The C kernels see native memory only: FFM refuses a heap segment (a Java array) at the downcall, and the
     * generated bindings would report that as an AssertionError; it is named here instead. Null is skipped
     * (an absent bias). Fixed arity: a varargs array per op call would be garbage.
     */
    private static void offHeap(String op, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d) {
        if ((a != null && !a.isNative()) || (b != null && !b.isNative()) || (c != null && !c.isNative())
                || (d != null && !d.isNative())) {
            throw new IllegalArgumentException(op + ": an argument is Java heap memory (MemorySegment.ofArray), which the "
                    + "native kernels cannot read; allocate it from an Arena or use the java backend");
        }
    }

    /** The segment from float element {@code index} on. */
    private static MemorySegment at(MemorySegment s, long index) {
        return from(s, index * Float.BYTES);
    }

    /** The rows of a [rows, dim] matrix from row {@code row} on. */
    private static MemorySegment rows(MemorySegment s, int row, int dim) {
        return from(s, (long) row * dim * Float.BYTES);
    }

    /**
     * s from byte {@code offset} on; s itself for 0. A slice is a new object, and the first chunk of every
     * parallel op (the only one of most decode ops) starts at 0.
     */
    private static MemorySegment from(MemorySegment s, long offset) {
        return offset == 0 ? s : s.asSlice(offset);
    }
}
