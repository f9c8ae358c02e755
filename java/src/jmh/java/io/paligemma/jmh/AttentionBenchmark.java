package io.paligemma.jmh;

import static io.paligemma.jmh.Shapes.HEADS;
import static io.paligemma.jmh.Shapes.HEAD_DIM;
import static io.paligemma.jmh.Shapes.KV_HEADS;
import static io.paligemma.jmh.Shapes.PROMPT;

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
 * The attention ops of one Gemma layer at prefill (268 tokens): q·kᵀ and p·v for one head (strided, as
 * GemmaAttention calls them) and the masked softmax over all 8 heads' rows (8×268 rows of 268).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:-UseProfiledLoopPredicate"})
public class AttentionBenchmark extends OpsState {
    private static final int QD = HEADS * HEAD_DIM;
    private static final int KVD = KV_HEADS * HEAD_DIM;

    private MemorySegment q;      // [268, 8·256], head 0 used
    private MemorySegment keys;   // [268, 256]
    private MemorySegment values; // [268, 256]
    private MemorySegment scores; // [8·268, 268]
    private MemorySegment out;    // [268, 8·256]
    private MemorySegment keyLo;  // [8·268] int32, 0
    private MemorySegment keyHi;  // [8·268] int32, 268: the whole prompt is the bidirectional prefix

    @Override
    protected void prepare() {
        q = floats((long) PROMPT * QD, 1);
        keys = floats((long) PROMPT * KVD, 2);
        values = floats((long) PROMPT * KVD, 3);
        scores = floats((long) HEADS * PROMPT * PROMPT, 4);
        out = zeros((long) PROMPT * QD);
        keyLo = ints((long) HEADS * PROMPT, 0);
        keyHi = ints((long) HEADS * PROMPT, PROMPT);
    }

    @Benchmark
    public void scoresOneHead() {
        ops.matmulTransB(q, QD, keys, KVD, scores, PROMPT, PROMPT, PROMPT, HEAD_DIM, 1f);
    }

    @Benchmark
    public void softmaxAllHeads() {
        ops.softmaxRows(scores, HEADS * PROMPT, PROMPT, PROMPT, 0.0625f, 0f, keyLo, keyHi);
    }

    @Benchmark
    public void weightedValuesOneHead() {
        ops.matmul(scores, PROMPT, values, KVD, out, QD, PROMPT, HEAD_DIM, PROMPT);
    }
}
