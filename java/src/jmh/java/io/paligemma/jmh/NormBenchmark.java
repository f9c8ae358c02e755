package io.paligemma.jmh;

import static io.paligemma.jmh.Shapes.HIDDEN;
import static io.paligemma.jmh.Shapes.PATCHES;
import static io.paligemma.jmh.Shapes.PROMPT;
import static io.paligemma.jmh.Shapes.VISION_HIDDEN;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/** Gemma RMSNorm over the prompt (268×2048) and SigLIP LayerNorm over the patches (256×1152). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-XX:-UseProfiledLoopPredicate"})
public class NormBenchmark extends OpsState {
    private MemorySegment text;       // [268, 2048]
    private MemorySegment textOut;    // [268, 2048]
    private MemorySegment rmsWeight;  // [2048]
    private MemorySegment patches;    // [256, 1152]
    private MemorySegment patchesOut; // [256, 1152]
    private MemorySegment lnWeight;   // [1152]
    private MemorySegment lnBias;     // [1152]

    @Override
    protected void prepare() {
        text = floats((long) PROMPT * HIDDEN, 1);
        textOut = zeros((long) PROMPT * HIDDEN);
        rmsWeight = floats(HIDDEN, 2);
        patches = floats((long) PATCHES * VISION_HIDDEN, 3);
        patchesOut = zeros((long) PATCHES * VISION_HIDDEN);
        lnWeight = floats(VISION_HIDDEN, 4);
        lnBias = floats(VISION_HIDDEN, 5);
    }

    @Benchmark
    public void rmsNorm() {
        ops.rmsNorm(textOut, text, rmsWeight, PROMPT, HIDDEN, 1e-6f);
    }

    @Benchmark
    public void layerNorm() {
        ops.layerNorm(patchesOut, patches, lnWeight, lnBias, PATCHES, VISION_HIDDEN, 1e-6f);
    }
}
