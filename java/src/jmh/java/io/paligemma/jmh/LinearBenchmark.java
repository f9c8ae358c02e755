package io.paligemma.jmh;

import static io.paligemma.jmh.Shapes.HEADS;
import static io.paligemma.jmh.Shapes.HEAD_DIM;
import static io.paligemma.jmh.Shapes.HIDDEN;
import static io.paligemma.jmh.Shapes.INTERMEDIATE;
import static io.paligemma.jmh.Shapes.KV_HEADS;
import static io.paligemma.jmh.Shapes.VOCAB;

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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/** Ops.linear for every Gemma projection of PaliGemma-3B, one token (decode) and the 268-token prompt (prefill). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:-UseProfiledLoopPredicate"})
public class LinearBenchmark extends OpsState {
    @Param({"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"})
    public String proj;

    @Param({"1", "268"})
    public int m;

    @Param({"f32", "bf16"})
    public String weights;

    private int k;
    private MemorySegment x;  // [m, k]
    private Tensor w;         // [n, k]
    private MemorySegment y;  // [m, n]

    @Override
    protected void prepare() {
        int qd = HEADS * HEAD_DIM;
        int kvd = KV_HEADS * HEAD_DIM;
        int[] nk = switch (proj) {
            case "q_proj" -> new int[] {qd, HIDDEN};
            case "k_proj", "v_proj" -> new int[] {kvd, HIDDEN};
            case "o_proj" -> new int[] {HIDDEN, qd};
            case "gate_proj", "up_proj" -> new int[] {INTERMEDIATE, HIDDEN};
            case "down_proj" -> new int[] {HIDDEN, INTERMEDIATE};
            case "lm_head" -> new int[] {VOCAB, HIDDEN};
            default -> throw new IllegalArgumentException("unknown projection " + proj);
        };
        int n = nk[0];
        k = nk[1];
        DType dtype = weights.equals("bf16") ? DType.BF16 : DType.F32;
        x = floats((long) m * k, 1);
        w = new Tensor(proj, dtype, new long[] {n, k},
                RandomData.uniform(arena, (long) n * k, dtype, 2, (float) (1 / Math.sqrt(k))));
        y = zeros((long) m * n);
    }

    @Benchmark
    public void linear() {
        ops.linear(x, m, k, w, null, y);
    }
}
