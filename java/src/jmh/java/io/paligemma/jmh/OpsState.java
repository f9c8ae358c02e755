package io.paligemma.jmh;

import io.paligemma.bench.RandomData;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Ops;
import io.paligemma.ops.OpsProvider;
import io.paligemma.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The backend under test and the off-heap inputs of one benchmark: {@code -p backend=native|java} and
 * {@code -p threads=N} (default 1, so numbers are per core and the two backends compare like for like).
 */
@State(Scope.Benchmark)
public abstract class OpsState {
    @Param({"native", "java"})
    public String backend;

    @Param({"1"})
    public int threads;

    protected Ops ops;
    protected Arena arena;
    private OpsProvider provider;

    @Setup(Level.Trial)
    public void open() {
        provider = OpsProvider.open(Backend.parse(backend), threads);
        ops = provider.ops();
        arena = Arena.ofShared();
        prepare();
    }

    /** Allocates this benchmark's buffers in {@link #arena}. */
    protected abstract void prepare();

    @TearDown(Level.Trial)
    public void close() {
        arena.close();
        provider.close();
    }

    protected MemorySegment floats(long count, long seed) {
        return RandomData.uniform(arena, count, DType.F32, seed, 1f);
    }

    protected MemorySegment zeros(long count) {
        return arena.allocate(Math.max(1, count) * Float.BYTES, 64);
    }

    protected MemorySegment ints(long count, int value) {
        MemorySegment s = arena.allocate(Math.max(1, count) * Integer.BYTES, 64);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, value);
        }
        return s;
    }
}
