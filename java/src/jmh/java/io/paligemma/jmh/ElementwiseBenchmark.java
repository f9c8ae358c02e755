package io.paligemma.jmh;

import static io.paligemma.jmh.Shapes.HEADS;
import static io.paligemma.jmh.Shapes.HEAD_DIM;
import static io.paligemma.jmh.Shapes.HIDDEN;
import static io.paligemma.jmh.Shapes.INTERMEDIATE;
import static io.paligemma.jmh.Shapes.PATCHES;
import static io.paligemma.jmh.Shapes.PROMPT;
import static io.paligemma.jmh.Shapes.VISION_INTERMEDIATE;

import io.paligemma.bench.RandomData;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The element-wise ops at prefill shapes: RoPE on the queries (268 tokens × 8 heads × 256), GeGLU over the
 * MLP (268×16384), GELU over the SigLIP MLP (256×4304), the residual add and the embedding scale
 * (268×2048), and one BF16 embedding row to float32 (2048).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:-UseProfiledLoopPredicate"})
public class ElementwiseBenchmark extends OpsState {
    private static final int QD = HEADS * HEAD_DIM;

    private MemorySegment q;        // [268, 2048]
    private MemorySegment cos;      // [268, 128]
    private MemorySegment sin;      // [268, 128]
    private MemorySegment gate;     // [268, 16384]
    private MemorySegment up;       // [268, 16384]
    private MemorySegment mlpOut;   // [268, 16384]
    private MemorySegment fc1;      // [256, 4304]
    private MemorySegment fc1Out;   // [256, 4304]
    private MemorySegment hidden;   // [268, 2048]
    private MemorySegment residual; // [268, 2048]
    private MemorySegment sum;      // [268, 2048]
    private Tensor embedTable;      // [16, 2048] BF16
    private MemorySegment row;      // [2048]

    @Override
    protected void prepare() {
        q = floats((long) PROMPT * QD, 1);
        // real tables (angle = position · θ^(-2i/d)): a rotation keeps |q| and so the values in range run after run
        cos = zeros((long) PROMPT * HEAD_DIM / 2);
        sin = zeros((long) PROMPT * HEAD_DIM / 2);
        for (int p = 0; p < PROMPT; p++) {
            for (int i = 0; i < HEAD_DIM / 2; i++) {
                double angle = (p + 1) * Math.pow(10000, -2.0 * i / HEAD_DIM);
                cos.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) p * HEAD_DIM / 2 + i, (float) Math.cos(angle));
                sin.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) p * HEAD_DIM / 2 + i, (float) Math.sin(angle));
            }
        }
        gate = floats((long) PROMPT * INTERMEDIATE, 4);
        up = floats((long) PROMPT * INTERMEDIATE, 5);
        mlpOut = zeros((long) PROMPT * INTERMEDIATE);
        fc1 = floats((long) PATCHES * VISION_INTERMEDIATE, 6);
        fc1Out = zeros((long) PATCHES * VISION_INTERMEDIATE);
        hidden = floats((long) PROMPT * HIDDEN, 7);
        residual = floats((long) PROMPT * HIDDEN, 8);
        sum = zeros((long) PROMPT * HIDDEN);
        embedTable = new Tensor("embed", DType.BF16, new long[] {16, HIDDEN},
                RandomData.uniform(arena, 16L * HIDDEN, DType.BF16, 9, 0.02f));
        row = zeros(HIDDEN);
    }

    @Benchmark
    public void ropeQueries() {
        ops.ropeRotateHalf(q, PROMPT, HEADS, HEAD_DIM, QD, cos, sin);
    }

    @Benchmark
    public void geglu() {
        ops.geglu(mlpOut, gate, up, (long) PROMPT * INTERMEDIATE);
    }

    @Benchmark
    public void geluTanh() {
        ops.geluTanh(fc1Out, fc1, (long) PATCHES * VISION_INTERMEDIATE);
    }

    @Benchmark
    public void add() {
        ops.add(sum, hidden, residual, (long) PROMPT * HIDDEN);
    }

    @Benchmark
    public void scale() {
        ops.scale(hidden, (long) PROMPT * HIDDEN, 1f);
    }

    @Benchmark
    public void embeddingRowToF32() {
        ops.toF32(row, embedTable, 5L * HIDDEN, HIDDEN);
    }
}
