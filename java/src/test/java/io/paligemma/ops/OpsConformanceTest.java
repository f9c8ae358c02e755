package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op of every {@link OpsUnderTest} implementation against {@link ScalarReference}, over shapes
 * that are and are not multiples of the vector length, strided operands, aliasing, masks, and bad sizes.
 * Tolerances: 1e-5 of the largest reference magnitude for sums over k, 1e-6 for element-wise ops.
 */
class OpsConformanceTest {

    private static final double SUM_TOL = 1e-5;
    private static final double ELEMENT_TOL = 1e-6;
    /** Written to padding and past-the-end floats: must survive every op. */
    private static final int SENTINEL = 0x7fc0_1234;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Arena arena;
    private final Random random = new Random(20241205);

    @BeforeEach
    void open() {
        arena = Arena.ofShared(); // the two-thread Ops touch the segments from a worker too
    }

    @AfterEach
    void close() {
        arena.close();
    }

    // ---- argument sources -------------------------------------------------------------------

    static Stream<Arguments> ops() {
        return OpsUnderTest.implementations().map(Arguments::of);
    }

    private static Stream<Arguments> cross(List<Object[]> cases) {
        return OpsUnderTest.implementations().flatMap(ops -> cases.stream().map(c -> {
            Object[] args = new Object[c.length + 1];
            args[0] = ops;
            System.arraycopy(c, 0, args, 1, c.length);
            return Arguments.of(args);
        }));
    }

    static Stream<Arguments> linearCases() {
        int[][] shapes = { // m, k, n
            {1, 1, 1}, {1, 3, 5}, {1, 17, 33}, {1, 100, 15}, {1, 257, 17}, {1, 1100, 37},
            {2, 33, 17}, {3, 15, 100}, {4, 16, 16}, {5, 17, 3}, {17, 100, 33}, {33, 257, 20},
            {9, 1100, 21}, {6, 64, 300}, {20, 1, 7}, {4, 2048, 8},
            // decode over more rows than one thread takes: each thread's rows go as eight strided
            // streams (the second thread's start n0 > 0) plus a remainder of fewer than eight
            {1, 2048, 1037}, {3, 1100, 1901},
            // prefill-sized blocks: the packed path of the 16-bit kernels (m >= 32), with many panels of
            // weight rows (n = 9000) and many k-blocks (k = 9000)
            {64, 200, 9000}, {100, 300, 130}, {64, 9000, 150}
        };
        List<Object[]> cases = new ArrayList<>();
        for (int[] s : shapes) {
            for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16, DType.Q8_0}) {
                cases.add(new Object[] {s[0], s[1], s[2], dt, false});
                cases.add(new Object[] {s[0], s[1], s[2], dt, true});
            }
        }
        return cross(cases);
    }

    static Stream<Arguments> gemmCases() {
        int[][] shapes = { // m, n, k
            {1, 1, 1}, {1, 17, 72}, {1, 256, 33}, {3, 33, 15}, {4, 16, 16}, {5, 100, 72},
            {17, 33, 257}, {40, 72, 64}, {9, 3, 1100}, {8, 32, 0}
        };
        List<Object[]> cases = new ArrayList<>();
        for (int[] s : shapes) {
            cases.add(new Object[] {s[0], s[1], s[2]});
        }
        return cross(cases);
    }

    static Stream<Arguments> softmaxCases() {
        List<Object[]> cases = new ArrayList<>();
        for (int cols : new int[] {1, 3, 15, 16, 17, 33, 100, 257}) {
            for (String mask : new String[] {"full", "causal", "empty", "sliding", "outOfRange"}) {
                cases.add(new Object[] {cols, mask, 0f, 1f, 8f});
                cases.add(new Object[] {cols, mask, 0f, 1f, 300f}); // exp would overflow without the max shift
                cases.add(new Object[] {cols, mask, 50f, 0.125f, 8f});
                cases.add(new Object[] {cols, mask, 50f, 1f, 300f});
            }
        }
        return cross(cases);
    }

    static Stream<Arguments> lengths() {
        List<Object[]> cases = new ArrayList<>();
        for (int n : new int[] {0, 1, 3, 15, 16, 17, 33, 100, 257, 40000}) {
            cases.add(new Object[] {n});
        }
        return cross(cases);
    }

    static Stream<Arguments> normCases() {
        List<Object[]> cases = new ArrayList<>();
        for (int dim : new int[] {1, 15, 17, 64, 257, 2048}) {
            cases.add(new Object[] {3, dim, false});
            cases.add(new Object[] {3, dim, true});
        }
        return cross(cases);
    }

    static Stream<Arguments> ropeCases() {
        List<Object[]> cases = new ArrayList<>();
        for (int headDim : new int[] {2, 32, 34, 72, 256}) {
            cases.add(new Object[] {1, 1, headDim});
            cases.add(new Object[] {5, 3, headDim});
        }
        return cross(cases);
    }

    // ---- linear and the two attention products ----------------------------------------------

    @ParameterizedTest(name = "{0} m={1} k={2} n={3} {4} bias={5}")
    @MethodSource("linearCases")
    void linearMatchesReference(Ops ops, int m, int k, int n, DType dt, boolean withBias) {
        float[] x = randoms(m * k, 1f);
        float[] w = randoms(n * k, 1f);
        Tensor wt = weight(dt, w, n, k); // w now holds the values the tensor really stores
        float[] bias = withBias ? randoms(n, 1f) : null;
        MemorySegment y = sentinels(m * n + 5);
        // Weights sit one element past a cache line (as inside a safetensors file), x one float past.
        ops.linear(segmentAt(x, 4), m, k, wt, bias == null ? null : segment(bias), y);
        // int8 weights: activations are quantized in every product (prefill included), so the reference is the
        // quantized product
        double[] ref = dt == DType.Q8_0
                ? ScalarReference.linearQ8(x, m, k, wt.data().toArray(ValueLayout.JAVA_BYTE), q8Scales(wt), n, bias)
                : ScalarReference.linear(x, m, k, w, n, bias);
        assertClose("linear", ref, y, m, n, n, SUM_TOL);
        assertSentinels(y, m * n, 5);
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3}")
    @MethodSource("gemmCases")
    void matmulTransBMatchesReference(Ops ops, int m, int n, int k) {
        int lda = k + 3;
        int ldb = k + 5;
        int ldc = n + 2;
        float[] a = randoms(m * lda, 1f);
        float[] b = randoms(n * ldb, 1f);
        MemorySegment c = sentinels(m * ldc);
        ops.matmulTransB(segment(a), lda, segment(b), ldb, c, ldc, m, n, k, 0.125f);
        assertClose("matmulTransB", ScalarReference.matmulTransB(a, lda, b, ldb, m, n, k, 0.125f), c, m, n, ldc, SUM_TOL);
        assertPadding(c, m, n, ldc);
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3}")
    @MethodSource("gemmCases")
    void matmulMatchesReference(Ops ops, int m, int n, int k) {
        int lda = k + 3;
        int ldb = n + 5;
        int ldc = n + 2;
        float[] a = randoms(m * lda, 1f);
        float[] b = randoms(Math.max(k, 1) * ldb, 1f);
        MemorySegment c = sentinels(m * ldc);
        ops.matmul(segment(a), lda, segment(b), ldb, c, ldc, m, n, k);
        assertClose("matmul", ScalarReference.matmul(a, lda, b, ldb, m, n, k), c, m, n, ldc, SUM_TOL);
        assertPadding(c, m, n, ldc);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void matmulDenseOperandsWithoutPadding(Ops ops) {
        // Tight strides and segments of exactly the needed size: no read may stray past the end.
        int m = 3;
        int n = 37;
        int k = 19;
        float[] a = randoms(m * k, 1f);
        float[] b = randoms(k * n, 1f);
        float[] bt = randoms(n * k, 1f);
        MemorySegment c = segment(new float[m * n]);
        ops.matmul(segment(a), k, segment(b), n, c, n, m, n, k);
        assertClose("matmul", ScalarReference.matmul(a, k, b, n, m, n, k), c, m, n, n, SUM_TOL);
        ops.matmulTransB(segment(a), k, segment(bt), k, c, n, m, n, k, 1f);
        assertClose("matmulTransB", ScalarReference.matmulTransB(a, k, bt, k, m, n, k, 1f), c, m, n, n, SUM_TOL);
    }

    // ---- attention softmax and RoPE ----------------------------------------------------------

    @ParameterizedTest(name = "{0} cols={1} mask={2} softcap={3} scale={4} |x|<{5}")
    @MethodSource("softmaxCases")
    void softmaxRowsMatchesReference(Ops ops, int cols, String mask, float softcap, float scale, float magnitude) {
        int rows = 6;
        int ld = cols + 3;
        float[] x = randoms(rows * ld, magnitude);
        int[] lo = new int[rows];
        int[] hi = new int[rows];
        for (int r = 0; r < rows; r++) {
            int q = cols - rows + r; // query position when the rows are the last queries
            switch (mask) {
                case "full" -> hi[r] = cols;
                case "causal" -> hi[r] = Math.max(q + 1, 0);
                case "empty" -> lo[r] = hi[r] = r % 2 == 0 ? 0 : cols / 2;
                case "sliding" -> {
                    lo[r] = Math.max(0, q - 7);
                    hi[r] = Math.max(q + 1, 0);
                }
                default -> {
                    lo[r] = -5 + r;
                    hi[r] = cols + 10 - r;
                }
            }
        }
        MemorySegment xs = segment(x);
        for (int r = 0; r < rows; r++) {
            for (int j = cols; j < ld; j++) {
                xs.set(F, (long) (r * ld + j) * 4, Float.intBitsToFloat(SENTINEL));
            }
        }
        ops.softmaxRows(xs, rows, cols, ld, scale, softcap, ints(lo), ints(hi));
        double[] ref = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            float[] row = new float[cols];
            System.arraycopy(x, r * ld, row, 0, cols);
            System.arraycopy(ScalarReference.softmaxRow(row, scale, softcap, lo[r], hi[r]), 0, ref, r * cols, cols);
        }
        // Soft-capped logits are float32 values up to softcap in magnitude: their rounding (up to ~5e-6
        // absolute at softcap 50) goes through exp as a relative error, so those cases get the sum tolerance.
        assertClose("softmaxRows", ref, xs, rows, cols, ld, softcap > 0 ? SUM_TOL : ELEMENT_TOL);
        assertPadding(xs, rows, cols, ld);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                if (j < lo[r] || j >= hi[r]) {
                    assertEquals(0f, xs.get(F, (long) (r * ld + j) * 4), "masked key " + j + " of row " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} tokens={1} heads={2} headDim={3}")
    @MethodSource("ropeCases")
    void ropeMatchesReference(Ops ops, int tokens, int heads, int headDim) {
        int stride = heads * headDim + 5;
        int half = headDim / 2;
        float[] x = randoms(tokens * stride, 2f);
        float[] cos = new float[tokens * half];
        float[] sin = new float[tokens * half];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < half; i++) {
                double angle = (t + 3) * Math.pow(10000, -2.0 * i / headDim);
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        MemorySegment xs = segment(x);
        for (int t = 0; t < tokens; t++) {
            for (int j = heads * headDim; j < stride; j++) {
                xs.set(F, (long) (t * stride + j) * 4, Float.intBitsToFloat(SENTINEL));
            }
        }
        ops.ropeRotateHalf(xs, tokens, heads, headDim, stride, segment(cos), segment(sin));
        int used = heads * headDim;
        double[] ref = new double[tokens * used];
        for (int t = 0; t < tokens; t++) {
            float[] c = new float[half];
            float[] s = new float[half];
            System.arraycopy(cos, t * half, c, 0, half);
            System.arraycopy(sin, t * half, s, 0, half);
            for (int h = 0; h < heads; h++) {
                float[] head = new float[headDim];
                System.arraycopy(x, t * stride + h * headDim, head, 0, headDim);
                System.arraycopy(ScalarReference.rope(head, c, s), 0, ref, t * used + h * headDim, headDim);
            }
        }
        assertClose("ropeRotateHalf", ref, xs, tokens, used, stride, ELEMENT_TOL);
        assertPadding(xs, tokens, used, stride);
    }

    // ---- normalisations ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0} rows={1} dim={2} inPlace={3}")
    @MethodSource("normCases")
    void rmsNormMatchesReference(Ops ops, int rows, int dim, boolean inPlace) {
        float[] x = randoms(rows * dim, 3f);
        float[] w = randoms(dim, 0.5f);
        MemorySegment xs = segment(x);
        MemorySegment out = inPlace ? xs : sentinels(rows * dim + 3);
        ops.rmsNorm(out, xs, segment(w), rows, dim, 1e-6f);
        double[] ref = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ScalarReference.rmsNorm(slice(x, r * dim, dim), w, 1e-6f), 0, ref, r * dim, dim);
        }
        assertClose("rmsNorm", ref, out, rows, dim, dim, ELEMENT_TOL);
        if (!inPlace) {
            assertSentinels(out, rows * dim, 3);
        }
    }

    @ParameterizedTest(name = "{0} rows={1} dim={2} inPlace={3}")
    @MethodSource("normCases")
    void layerNormMatchesReference(Ops ops, int rows, int dim, boolean inPlace) {
        float[] x = randoms(rows * dim, 3f);
        for (int i = 0; i < x.length; i++) {
            x[i] += 5f; // an offset mean, so the centring matters
        }
        float[] w = randoms(dim, 1f);
        float[] b = randoms(dim, 0.1f);
        MemorySegment xs = segment(x);
        MemorySegment out = inPlace ? xs : sentinels(rows * dim + 3);
        ops.layerNorm(out, xs, segment(w), segment(b), rows, dim, 1e-6f);
        double[] ref = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ScalarReference.layerNorm(slice(x, r * dim, dim), w, b, 1e-6f), 0, ref, r * dim, dim);
        }
        assertClose("layerNorm", ref, out, rows, dim, dim, ELEMENT_TOL);
        if (!inPlace) {
            assertSentinels(out, rows * dim, 3);
        }
    }

    // ---- element-wise ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("lengths")
    void geluTanhMatchesReferenceInPlaceAndNot(Ops ops, int n) {
        float[] x = randoms(n, 6f);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = ScalarReference.gelu(x[i]);
        }
        MemorySegment out = sentinels(n + 3);
        ops.geluTanh(out, segment(x), n);
        assertClose("geluTanh", ref, out, 1, n, n, ELEMENT_TOL);
        assertSentinels(out, n, 3);
        MemorySegment xs = segment(x);
        ops.geluTanh(xs, xs, n);
        assertClose("geluTanh in place", ref, xs, 1, n, n, ELEMENT_TOL);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("lengths")
    void gegluMatchesReferenceWithEveryAliasing(Ops ops, int n) {
        float[] gate = randoms(n, 6f);
        float[] up = randoms(n, 2f);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = ScalarReference.gelu(gate[i]) * up[i];
        }
        assertBinaryWithEveryAliasing("geglu", (o, x, y) -> ops.geglu(o, x, y, n), gate, up, ref);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("lengths")
    void softcapMatchesReference(Ops ops, int n) {
        float[] x = randoms(n, 200f);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = ScalarReference.softcap(x[i], 30);
        }
        MemorySegment xs = sentinelsAround(x, 3);
        ops.softcap(xs, n, 30f);
        assertClose("softcap", ref, xs, 1, n, n, ELEMENT_TOL);
        assertSentinels(xs, n, 3);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("lengths")
    void addMatchesReferenceWithEveryAliasing(Ops ops, int n) {
        float[] a = randoms(n, 10f);
        float[] b = randoms(n, 10f);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (double) a[i] + b[i];
        }
        assertBinaryWithEveryAliasing("add", (o, x, y) -> ops.add(o, x, y, n), a, b, ref);
    }

    /** out = op(a, b) into a fresh buffer (sentinels after it untouched), into a's buffer and into b's. */
    private void assertBinaryWithEveryAliasing(String name, BinaryOp op, float[] a, float[] b, double[] ref) {
        int n = a.length;
        MemorySegment out = sentinels(n + 3);
        op.run(out, segment(a), segment(b));
        assertClose(name, ref, out, 1, n, n, ELEMENT_TOL);
        assertSentinels(out, n, 3);
        MemorySegment as = segment(a);
        op.run(as, as, segment(b));
        assertClose(name + " out == first input", ref, as, 1, n, n, ELEMENT_TOL);
        MemorySegment bs = segment(b);
        op.run(bs, segment(a), bs);
        assertClose(name + " out == second input", ref, bs, 1, n, n, ELEMENT_TOL);
    }

    @FunctionalInterface
    private interface BinaryOp {
        void run(MemorySegment out, MemorySegment a, MemorySegment b);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("lengths")
    void scaleMatchesReference(Ops ops, int n) {
        float[] x = randoms(n, 10f);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = x[i] * (double) -0.3f;
        }
        MemorySegment xs = sentinelsAround(x, 3);
        ops.scale(xs, n, -0.3f);
        assertClose("scale", ref, xs, 1, n, n, ELEMENT_TOL);
        assertSentinels(xs, n, 3);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("lengths")
    void toF32IsExactForEveryWeightType(Ops ops, int n) {
        int offset = 5;
        int count = n + offset + 2;
        float[] values = randoms(count, 100f);
        short[] special = {0x0000, (short) 0x8000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, (short) 0xfc00, 0x7e00,
            0x7c01, (short) 0x83ff, 0x3c00, (short) 0xbc00};
        MemorySegment f32 = arena.allocate(count * 4L);
        MemorySegment bf16 = arena.allocate(count * 2L);
        MemorySegment f16 = arena.allocate(count * 2L);
        for (int i = 0; i < count; i++) {
            f32.setAtIndex(ValueLayout.JAVA_FLOAT, i, values[i]);
            bf16.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (random.nextInt() >>> 16));
            short h = i < special.length ? special[i] : Float.floatToFloat16(values[i] / 1000);
            f16.setAtIndex(ValueLayout.JAVA_SHORT, i, h);
        }
        int first = n > 0 ? 0 : offset; // the special half values sit at the start
        checkToF32(ops, new Tensor("f32", DType.F32, new long[] {count}, f32), first, n);
        checkToF32(ops, new Tensor("bf16", DType.BF16, new long[] {count}, bf16), first, n);
        checkToF32(ops, new Tensor("f16", DType.F16, new long[] {count}, f16), first, n);
        checkToF32(ops, new Tensor("f16", DType.F16, new long[] {count}, f16), offset, n);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void toF32DequantizesWholeQ8Rows(Ops ops) {
        int rows = 5;
        int k = 70; // two whole blocks and a partial one
        float[] w = randoms(rows * k, 3f);
        Tensor t = weight(DType.Q8_0, w, rows, k); // w now holds the dequantized values
        MemorySegment out = sentinels(2 * k + 3);
        ops.toF32(out, t, 2L * k, 2L * k);
        for (int i = 0; i < 2 * k; i++) {
            assertEquals(w[2 * k + i], out.getAtIndex(F, i), "row " + (2 + i / k) + " column " + i % k);
        }
        assertSentinels(out, 2 * k, 3);
        assertThrows(IllegalArgumentException.class, () -> ops.toF32(out, t, 3, k), "not a whole row");
        assertThrows(IllegalArgumentException.class, () -> ops.toF32(out, t, 4L * k, 2L * k), "past the last row");
    }

    private void checkToF32(Ops ops, Tensor src, int offset, int n) {
        MemorySegment out = sentinels(n + 3);
        ops.toF32(out, src, offset, n);
        for (int i = 0; i < n; i++) {
            long e = offset + i;
            float expected = switch (src.dtype()) {
                case F32 -> src.data().getAtIndex(ValueLayout.JAVA_FLOAT, e);
                case BF16 -> ScalarReference.bf16(src.data().getAtIndex(ValueLayout.JAVA_SHORT, e));
                default -> Float.float16ToFloat(src.data().getAtIndex(ValueLayout.JAVA_SHORT, e));
            };
            float got = out.get(F, i * 4L);
            if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
                fail("toF32 " + src + " element " + e + ": expected " + expected + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(expected)) + "), got " + got + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(got)) + ")");
            }
        }
        assertSentinels(out, n, 3);
    }

    // ---- bad sizes: an exception before any memory is touched --------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void badSizesThrowIllegalArgument(Ops ops) {
        MemorySegment small = arena.allocate(4 * 10);
        MemorySegment big = arena.allocate(4 * 4096);
        MemorySegment ints = arena.allocate(4 * 8);
        Tensor w = new Tensor("w", DType.F32, new long[] {8, 16}, arena.allocate(8 * 16 * 4));
        Tensor wbf = new Tensor("wbf", DType.BF16, new long[] {8, 16}, arena.allocate(8 * 16 * 2));
        Tensor wint = new Tensor("wint", DType.I32, new long[] {8, 16}, arena.allocate(8 * 16 * 4));
        List<Runnable> calls = List.of(
                () -> ops.linear(small, 4, 16, w, null, big),          // x too small
                () -> ops.linear(big, 4, 16, w, null, small),          // y too small
                () -> ops.linear(big, 4, 16, w, small.asSlice(0, 4), big), // bias too small
                () -> ops.linear(big, 4, 15, w, null, big),            // k does not match w
                () -> ops.linear(big, 4, 16, wint, null, big),         // not a float weight
                () -> ops.linear(big, -1, 16, wbf, null, big),         // negative m
                () -> ops.matmulTransB(small, 16, big, 16, big, 16, 4, 4, 16, 1f),
                () -> ops.matmulTransB(big, 16, big, 16, small, 16, 4, 4, 16, 1f),
                () -> ops.matmulTransB(big, 8, big, 16, big, 16, 4, 4, 16, 1f), // lda < k
                () -> ops.matmul(big, 16, small, 16, big, 16, 4, 16, 16),
                () -> ops.matmul(big, 16, big, 16, big, 8, 4, 16, 16),           // ldc < n
                () -> ops.softmaxRows(small, 4, 16, 16, 1f, 0f, ints, ints),
                () -> ops.softmaxRows(big, 16, 16, 16, 1f, 0f, ints, ints),      // masks hold 8 rows
                () -> ops.ropeRotateHalf(small, 4, 2, 16, 32, big, big),
                () -> ops.ropeRotateHalf(big, 4, 2, 15, 32, big, big),           // odd head dim
                () -> ops.ropeRotateHalf(big, 4, 2, 16, 32, small, big),
                () -> ops.rmsNorm(big, small, big, 4, 16, 1e-6f),
                () -> ops.rmsNorm(big, big, small, 1, 64, 1e-6f),
                () -> ops.layerNorm(small, big, big, big, 4, 16, 1e-6f),
                () -> ops.layerNorm(big, big, big, small, 1, 64, 1e-6f),
                () -> ops.geluTanh(big, small, 11),
                () -> ops.geglu(big, big, small, 11),
                () -> ops.softcap(small, 11, 30f),
                () -> ops.softcap(small, 10, 0f),
                () -> ops.add(small, big, big, 11),
                () -> ops.scale(small, 11, 2f),
                () -> ops.geluTanh(big, big, -1),
                () -> ops.toF32(small, w, 0, 11),
                () -> ops.toF32(big, w, 120, 9),                        // past the tensor end
                () -> ops.toF32(big, wint, 0, 4));
        for (int i = 0; i < calls.size(); i++) {
            Runnable call = calls.get(i);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run, "bad call #" + i);
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "message of bad call #" + i);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private float[] randoms(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (random.nextFloat() * 2 - 1) * scale;
        }
        return v;
    }

    private static float[] slice(float[] x, int from, int len) {
        float[] s = new float[len];
        System.arraycopy(x, from, s, 0, len);
        return s;
    }

    private MemorySegment segment(float[] values) {
        return segmentAt(values, 0);
    }

    /** values in a segment starting {@code shift} bytes past a 64-byte boundary. */
    private MemorySegment segmentAt(float[] values, int shift) {
        MemorySegment s = arena.allocate(values.length * 4L + shift, 64).asSlice(shift, values.length * 4L);
        MemorySegment.copy(values, 0, s, F, 0, values.length);
        return s;
    }

    private MemorySegment ints(int[] values) {
        MemorySegment s = arena.allocate(values.length * 4L);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_INT_UNALIGNED, 0, values.length);
        return s;
    }

    private MemorySegment sentinels(int n) {
        MemorySegment s = arena.allocate(n * 4L);
        for (int i = 0; i < n; i++) {
            s.set(F, i * 4L, Float.intBitsToFloat(SENTINEL));
        }
        return s;
    }

    /** values followed by {@code extra} sentinels. */
    private MemorySegment sentinelsAround(float[] values, int extra) {
        MemorySegment s = sentinels(values.length + extra);
        MemorySegment.copy(values, 0, s, F, 0, values.length);
        return s;
    }

    /** w [n, k] as a tensor of the given type; w is overwritten with the values the tensor holds. */
    private Tensor weight(DType dt, float[] w, int n, int k) {
        long count = (long) n * k;
        if (dt == DType.Q8_0) {
            // the int8 values end exactly at the segment's end: a read past the last row would fail
            long kb = Q8.blocks((long) k);
            MemorySegment q = arena.allocate(count + 1, 64).asSlice(1, count);
            MemorySegment sc = arena.allocate(n * kb * 2);
            float[] row = new float[k];
            for (int j = 0; j < n; j++) {
                System.arraycopy(w, j * k, row, 0, k);
                Q8.quantizeRow(row, k, q, (long) j * k, sc, j * kb * 2);
            }
            Tensor t = new Tensor("w", DType.Q8_0, new long[] {n, k}, q, sc);
            for (int j = 0; j < n; j++) {
                Q8.dequantizeRow(t, j, row);
                System.arraycopy(row, 0, w, j * k, k);
            }
            return t;
        }
        MemorySegment data = arena.allocate(count * dt.size + dt.size, 64).asSlice(dt.size, count * dt.size);
        for (int i = 0; i < count; i++) {
            switch (dt) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, i, w[i]);
                case BF16 -> {
                    short h = ScalarReference.toBf16(w[i]);
                    data.setAtIndex(ValueLayout.JAVA_SHORT, i, h);
                    w[i] = ScalarReference.bf16(h);
                }
                default -> {
                    short h = Float.floatToFloat16(w[i]);
                    data.setAtIndex(ValueLayout.JAVA_SHORT, i, h);
                    w[i] = Float.float16ToFloat(h);
                }
            }
        }
        return new Tensor("w", dt, new long[] {n, k}, data);
    }

    /** The scales of a Q8_0 tensor as floats. */
    private static float[] q8Scales(Tensor t) {
        short[] h = t.scales().toArray(ValueLayout.JAVA_SHORT);
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i++) {
            f[i] = Float.float16ToFloat(h[i]);
        }
        return f;
    }

    /** got [rows, cols] with row stride ld against the dense ref, within tol · max|ref|. */
    private static void assertClose(String what, double[] ref, MemorySegment got, int rows, int cols, int ld, double tol) {
        double max = 0;
        for (double r : ref) {
            max = Math.max(max, Math.abs(r));
        }
        double limit = tol * Math.max(max, 1e-30);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double expected = ref[r * cols + c];
                float actual = got.get(F, (long) (r * ld + c) * 4);
                if (!(Math.abs(actual - expected) <= limit)) {
                    fail(what + "[" + r + ", " + c + "]: expected " + expected + ", got " + actual + " (limit " + limit
                            + ", max |ref| " + max + ")");
                }
            }
        }
    }

    private static void assertSentinels(MemorySegment s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            assertEquals(SENTINEL, Float.floatToRawIntBits(s.get(F, i * 4L)), "float " + i + " past the output was written");
        }
    }

    /** Columns [cols, ld) of every row of a strided matrix still hold the sentinel. */
    private static void assertPadding(MemorySegment s, int rows, int cols, int ld) {
        for (int r = 0; r < rows; r++) {
            for (int c = cols; c < ld && (long) (r * ld + c) * 4 < s.byteSize(); c++) {
                assertEquals(SENTINEL, Float.floatToRawIntBits(s.get(F, (long) (r * ld + c) * 4)),
                        "padding [" + r + ", " + c + "] was written");
            }
        }
    }
}
