package io.paligemma.ops;

import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * An {@link Ops} that times every call of another one, by op and (for linear) by weight shape: where
 * a backend spends its time, for the benchmark's per-op breakdown. Adds two clock reads per call.
 */
public final class ProfilingOps implements Ops {
    private final Ops inner;
    private final Map<String, LongAdder[]> totals = new java.util.concurrent.ConcurrentHashMap<>();

    public ProfilingOps(Ops inner) {
        this.inner = inner;
    }

    /** Nanoseconds and calls per op key, in first-seen order of keys sorted by time, descending. */
    public Map<String, long[]> snapshot() {
        Map<String, long[]> out = new LinkedHashMap<>();
        totals.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0].sum(), a.getValue()[0].sum()))
                .forEach(e -> out.put(e.getKey(), new long[] {e.getValue()[0].sum(), e.getValue()[1].sum()}));
        return out;
    }

    public void reset() {
        totals.clear();
    }

    private void add(String key, long start) {
        LongAdder[] t = totals.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        t[0].add(System.nanoTime() - start);
        t[1].increment();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public void linear(MemorySegment x, int m, int k, Tensor w, MemorySegment bias, MemorySegment y) {
        long t = System.nanoTime();
        inner.linear(x, m, k, w, bias, y);
        add("linear " + (m == 1 ? "m=1" : "m>1") + " " + w.dtype() + " [" + w.dim(0) + ", " + k + "]", t);
    }

    @Override
    public void matmulTransB(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n,
                             int k, float alpha) {
        long t = System.nanoTime();
        inner.matmulTransB(a, lda, b, ldb, c, ldc, m, n, k, alpha);
        add("matmulTransB (attention scores)", t);
    }

    @Override
    public void matmul(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k) {
        long t = System.nanoTime();
        inner.matmul(a, lda, b, ldb, c, ldc, m, n, k);
        add("matmul (attention output)", t);
    }

    @Override
    public void softmaxRows(MemorySegment x, int rows, int cols, int ld, float scale, float softcap, MemorySegment keyLo,
                            MemorySegment keyHi) {
        long t = System.nanoTime();
        inner.softmaxRows(x, rows, cols, ld, scale, softcap, keyLo, keyHi);
        add("softmaxRows", t);
    }

    @Override
    public void ropeRotateHalf(MemorySegment x, int tokens, int heads, int headDim, int tokenStride, MemorySegment cos,
                               MemorySegment sin) {
        long t = System.nanoTime();
        inner.ropeRotateHalf(x, tokens, heads, headDim, tokenStride, cos, sin);
        add("ropeRotateHalf", t);
    }

    @Override
    public void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int dim, float eps) {
        long t = System.nanoTime();
        inner.rmsNorm(out, x, weight, rows, dim, eps);
        add("rmsNorm", t);
    }

    @Override
    public void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias, int rows, int dim,
                          float eps) {
        long t = System.nanoTime();
        inner.layerNorm(out, x, weight, bias, rows, dim, eps);
        add("layerNorm", t);
    }

    @Override
    public void geluTanh(MemorySegment out, MemorySegment x, long n) {
        long t = System.nanoTime();
        inner.geluTanh(out, x, n);
        add("geluTanh", t);
    }

    @Override
    public void geglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n) {
        long t = System.nanoTime();
        inner.geglu(out, gate, up, n);
        add("geglu", t);
    }

    @Override
    public void softcap(MemorySegment x, long n, float cap) {
        long t = System.nanoTime();
        inner.softcap(x, n, cap);
        add("softcap", t);
    }

    @Override
    public void add(MemorySegment out, MemorySegment a, MemorySegment b, long n) {
        long t = System.nanoTime();
        inner.add(out, a, b, n);
        add("add", t);
    }

    @Override
    public void scale(MemorySegment x, long n, float s) {
        long t = System.nanoTime();
        inner.scale(x, n, s);
        add("scale", t);
    }

    @Override
    public void toF32(MemorySegment out, Tensor src, long offset, long n) {
        long t = System.nanoTime();
        inner.toF32(out, src, offset, n);
        add("toF32", t);
    }
}
