package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The native boundary: every public {@link NativeOps} method that takes memory is called with arguments
 * out of range, and must throw a Java exception before any native code runs (a wrong size reaching a C
 * kernel would read or write past a buffer, or kill the JVM). The methods are enumerated by reflection, so a
 * new one without a valid call below fails {@link #everyMethodHasACase()}. From each valid call the bad ones
 * are derived argument by argument:
 * <ul>
 *   <li>every segment one element too small, null (unless the parameter may be null), of a closed arena,
 *       on the Java heap (FFM passes no heap memory to C); every output segment read-only (a read-only
 *       mapping written by C is a SIGSEGV);</li>
 *   <li>every int/long (sizes, strides, offsets) -1 and its type's MAX_VALUE;</li>
 *   <li>every tensor of a wrong dtype, and over a closed arena;</li>
 *   <li>every segment and tensor moved to an odd address: C reads a float as a float, and a misaligned one is
 *       undefined behaviour there (UBSan reports it), so misaligned memory is refused too (Weights copies a
 *       tensor a checkpoint stores at an odd offset into aligned memory at load).</li>
 * </ul>
 */
class NativeBoundaryTest {

    private static final Parallel PARALLEL = new Parallel(1);
    private static final NativeOps OPS = new NativeOps(PARALLEL);
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    /**
     * A valid call: fresh arguments from a seed (the same seed gives the same values), which are outputs, which
     * may be null, and which ints may be as large as they like (the row stride of a one-row matrix: only its
     * columns are read).
     */
    private record Call(String method, String what, Function<Random, Object[]> args, Set<Integer> outputs,
                        Set<Integer> nullable, Set<Integer> unbounded) {
        Call(String method, String what, Function<Random, Object[]> args, Set<Integer> outputs, Set<Integer> nullable) {
            this(method, what, args, outputs, nullable, Set.of());
        }
    }

    /** Segments are exactly as large as the call needs (a strided matrix's last row only its columns). */
    private static List<Call> validCalls() {
        List<Call> calls = new ArrayList<>();
        // linear(x [m, k], m, k, w [n, k], bias [n] or null, y [m, n]) for each weight type, decode and packed
        calls.add(new Call("linear", "f32, 3 rows", r -> new Object[] {floats(r, 3 * 16), 3, 16,
                tensor(r, DType.F32, 8, 16), floats(r, 8), floats(r, 3 * 8)}, Set.of(5), Set.of(4)));
        calls.add(new Call("linear", "bf16, 33 rows (packed)", r -> new Object[] {floats(r, 33 * 16), 33, 16,
                tensor(r, DType.BF16, 8, 16), null, floats(r, 33 * 8)}, Set.of(5), Set.of(4)));
        calls.add(new Call("linear", "f16, 2 rows", r -> new Object[] {floats(r, 2 * 16), 2, 16,
                tensor(r, DType.F16, 8, 16), null, floats(r, 2 * 8)}, Set.of(5), Set.of(4)));
        calls.add(new Call("linear", "q8_0, 2 rows", r -> new Object[] {floats(r, 2 * 64), 2, 64,
                q8(r, 8, 64), null, floats(r, 2 * 8)}, Set.of(5), Set.of(4)));
        calls.add(new Call("linear", "q8_0, 32 rows (float products)", r -> new Object[] {floats(r, 32 * 64), 32, 64,
                q8(r, 8, 64), floats(r, 8), floats(r, 32 * 8)}, Set.of(5), Set.of(4)));
        // matmulTransB(a [m, lda], lda, b [n, ldb], ldb, c [m, ldc], ldc, m, n, k, alpha), m = 1 is sgemv
        for (int m : new int[] {1, 3}) {
            calls.add(new Call("matmulTransB", m + " rows", r -> new Object[] {floats(r, (m - 1) * 9 + 8), 9, floats(r, 3 * 10 + 8), 10,
                    floats(r, (m - 1) * 5 + 4), 5, m, 4, 8, 0.5f}, Set.of(4), Set.of(), m == 1 ? Set.of(1, 5) : Set.of()));
            // matmul(a [m, lda], lda, b [k, ldb], ldb, c [m, ldc], ldc, m, n, k)
            calls.add(new Call("matmul", m + " rows", r -> new Object[] {floats(r, (m - 1) * 9 + 8), 9, floats(r, 7 * 5 + 4), 5,
                    floats(r, (m - 1) * 6 + 4), 6, m, 4, 8}, Set.of(4), Set.of(), m == 1 ? Set.of(1, 5) : Set.of()));
        }
        // softmaxRows(x [rows, ld], rows, cols, ld, scale, softcap, keyLo [rows], keyHi [rows])
        calls.add(new Call("softmaxRows", "3 rows", r -> new Object[] {floats(r, 2 * 12 + 10), 3, 10, 12, 0.5f, 30f,
                ints(1, 0, 4), ints(10, 7, 9)}, Set.of(0), Set.of()));
        // ropeRotateHalf(x [tokens, stride], tokens, heads, headDim, stride, cos, sin [tokens, headDim / 2])
        calls.add(new Call("ropeRotateHalf", "3 tokens", r -> new Object[] {floats(r, 2 * 20 + 16), 3, 2, 8, 20,
                floats(r, 3 * 4), floats(r, 3 * 4)}, Set.of(0), Set.of()));
        calls.add(new Call("rmsNorm", "3 rows", r -> new Object[] {floats(r, 3 * 16), floats(r, 3 * 16), floats(r, 16),
                3, 16, 1e-6f}, Set.of(0), Set.of()));
        calls.add(new Call("layerNorm", "3 rows", r -> new Object[] {floats(r, 3 * 16), floats(r, 3 * 16),
                floats(r, 16), floats(r, 16), 3, 16, 1e-6f}, Set.of(0), Set.of()));
        calls.add(new Call("geluTanh", "37", r -> new Object[] {floats(r, 37), floats(r, 37), 37L}, Set.of(0), Set.of()));
        calls.add(new Call("geglu", "37", r -> new Object[] {floats(r, 37), floats(r, 37), floats(r, 37), 37L},
                Set.of(0), Set.of()));
        calls.add(new Call("softcap", "37", r -> new Object[] {floats(r, 37), 37L, 30f}, Set.of(0), Set.of()));
        calls.add(new Call("add", "37", r -> new Object[] {floats(r, 37), floats(r, 37), floats(r, 37), 37L},
                Set.of(0), Set.of()));
        calls.add(new Call("scale", "37", r -> new Object[] {floats(r, 37), 37L, 0.5f}, Set.of(0), Set.of()));
        // toF32(out [n], src, offset, n) for each stored type
        for (DType t : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            calls.add(new Call("toF32", t.toString(), r -> new Object[] {floats(r, 16), tensor(r, t, 4, 8), 8L, 16L},
                    Set.of(0), Set.of()));
        }
        calls.add(new Call("toF32", "q8_0 rows", r -> new Object[] {floats(r, 64), q8(r, 4, 64), 64L, 64L},
                Set.of(0), Set.of()));
        return calls;
    }

    /** Public instance methods of NativeOps that take memory: each must have a valid call above. */
    private static Map<String, Method> memoryMethods() {
        Map<String, Method> out = new LinkedHashMap<>();
        for (Method m : NativeOps.class.getDeclaredMethods()) {
            boolean memory = Arrays.stream(m.getParameterTypes()).anyMatch(p -> p == MemorySegment.class || p == Tensor.class);
            if (Modifier.isPublic(m.getModifiers()) && memory) {
                assertTrue(!Modifier.isStatic(m.getModifiers()), "a static native entry point: " + m);
                out.put(m.getName(), m);
            }
        }
        return out;
    }

    @Test
    void everyMethodHasACase() {
        Set<String> covered = new TreeSet<>();
        validCalls().forEach(c -> covered.add(c.method));
        Set<String> methods = new TreeSet<>(memoryMethods().keySet());
        assertEquals(methods, covered, "public NativeOps methods that take memory vs. those with a case here");
        assertTrue(methods.size() >= 13, "found only " + methods);
    }

    @Test
    void outOfRangeArgumentsThrowBeforeNativeCode() throws Throwable {
        Map<String, Method> methods = memoryMethods();
        int checked = 0;
        for (Call call : validCalls()) {
            Method m = methods.get(call.method);
            assertEquals(null, invoke(m, call.args.apply(new Random(1))), call.method + " (" + call.what + ") valid call");
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < types.length; i++) {
                String where = call.method + " (" + call.what + ") argument " + i + " (" + types[i].getSimpleName() + ")";
                if (types[i] == MemorySegment.class) {
                    checked += segmentCases(m, call, i, where);
                } else if (types[i] == int.class || types[i] == long.class) {
                    long max = types[i] == int.class ? Integer.MAX_VALUE : Long.MAX_VALUE;
                    for (long bad : call.unbounded.contains(i) ? new long[] {-1} : new long[] {-1, max}) {
                        Object[] args = call.args.apply(new Random(1));
                        args[i] = types[i] == int.class ? (Object) (int) bad : (Object) bad;
                        expect(IllegalArgumentException.class, m, args, where + " = " + bad);
                        checked++;
                    }
                } else if (types[i] == Tensor.class) {
                    Object[] args = call.args.apply(new Random(1));
                    Tensor w = (Tensor) args[i];
                    long cols = w.data().byteSize() / 4 / w.dim(0); // the same bytes seen as int32
                    args[i] = new Tensor(w.name(), DType.I32, new long[] {w.dim(0), cols}, w.data().asSlice(0, w.dim(0) * cols * 4));
                    expect(IllegalArgumentException.class, m, args, where + " of dtype I32");
                    args = call.args.apply(new Random(1));
                    w = (Tensor) args[i];
                    args[i] = new Tensor(w.name(), w.dtype(), w.shape(), closed(w.data()),
                            w.scales() == null ? null : closed(w.scales()));
                    expect(IllegalStateException.class, m, args, where + " over a closed arena");
                    args = call.args.apply(new Random(1));
                    w = (Tensor) args[i];
                    MemorySegment odd = ARENA.allocate(w.data().byteSize() + 1, 64).asSlice(1, w.data().byteSize());
                    args[i] = new Tensor(w.name(), w.dtype(), w.shape(), odd.copyFrom(w.data()), w.scales());
                    if (w.dtype().size > 1) { // int8 values have no alignment to lose; their scales are checked above
                        expect(IllegalArgumentException.class, m, args, where + " at an odd address");
                    }
                    checked += 3;
                }
            }
        }
        assertTrue(checked > 200, "bad calls checked: " + checked);
    }

    /** The derived cases of segment argument i; returns how many. */
    private static int segmentCases(Method m, Call call, int i, String where) throws Throwable {
        Object[] args = call.args.apply(new Random(1));
        MemorySegment s = (MemorySegment) args[i];
        if (s == null) {
            return 0; // an optional argument passed as null (bias): covered by the calls that pass one
        }
        int n = 0;
        args[i] = s.asSlice(0, s.byteSize() - 4);
        expect(IllegalArgumentException.class, m, args, where + " one element too small");
        n++;
        if (!call.nullable.contains(i)) {
            args = call.args.apply(new Random(1));
            args[i] = null;
            expect(IllegalArgumentException.class, m, args, where + " null");
            n++;
        }
        args = call.args.apply(new Random(1));
        args[i] = closed((MemorySegment) args[i]);
        expect(IllegalStateException.class, m, args, where + " of a closed arena");
        n++;
        if (call.outputs.contains(i)) {
            args = call.args.apply(new Random(1));
            args[i] = ((MemorySegment) args[i]).asReadOnly();
            expect(IllegalArgumentException.class, m, args, where + " read-only");
            n++;
        }
        args = call.args.apply(new Random(1));
        MemorySegment seg = (MemorySegment) args[i];
        args[i] = ARENA.allocate(seg.byteSize() + 1, 64).asSlice(1, seg.byteSize()).copyFrom(seg);
        expect(IllegalArgumentException.class, m, args, where + " at an odd address");
        args = call.args.apply(new Random(1));
        args[i] = MemorySegment.ofArray(((MemorySegment) args[i]).toArray(ValueLayout.JAVA_BYTE));
        expect(IllegalArgumentException.class, m, args, where + " on the Java heap");
        return n + 2;
    }

    private static void expect(Class<? extends RuntimeException> type, Method m, Object[] args, String what) {
        try {
            invoke(m, args);
        } catch (Throwable e) {
            if (!type.isInstance(e) || e.getMessage() == null || e.getMessage().isBlank()) {
                fail(what + ": expected " + type.getSimpleName() + " with a message, got " + e, e);
            }
            return;
        }
        fail(what + ": accepted, expected " + type.getSimpleName());
    }

    private static Object invoke(Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(OPS, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    // ---- argument makers ----

    private static MemorySegment floats(Random r, int n) {
        MemorySegment s = ARENA.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() * 2 - 1);
        }
        return s;
    }

    private static MemorySegment ints(int... values) {
        MemorySegment s = ARENA.allocate(4L * values.length, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_INT, 0, values.length);
        return s;
    }

    /** A [rows, cols] tensor of F32, BF16 or F16 values in [-1, 1). */
    private static Tensor tensor(Random r, DType type, int rows, int cols) {
        MemorySegment s = ARENA.allocate((long) rows * cols * type.size, 64);
        for (int i = 0; i < rows * cols; i++) {
            float v = r.nextFloat() * 2 - 1;
            switch (type) {
                case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                case BF16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return new Tensor("w", type, new long[] {rows, cols}, s);
    }

    /** A Q8_0 [rows, cols] tensor quantized from values in [-1, 1). */
    private static Tensor q8(Random r, int rows, int cols) {
        MemorySegment q = ARENA.allocate((long) rows * cols, 64);
        MemorySegment s = ARENA.allocate(2L * rows * Q8.blocks(cols), 64);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextFloat() * 2 - 1;
            }
            Q8.quantizeRow(row, cols, q, (long) i * cols, s, 2L * i * Q8.blocks(cols));
        }
        return new Tensor("w", DType.Q8_0, new long[] {rows, cols}, q, s);
    }

    /** A copy of s in an arena that is closed. */
    private static MemorySegment closed(MemorySegment s) {
        Arena a = Arena.ofConfined();
        MemorySegment c = a.allocate(s.byteSize(), 64);
        c.copyFrom(s);
        a.close();
        return c;
    }
}
