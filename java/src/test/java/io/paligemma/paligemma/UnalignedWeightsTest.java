package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paligemma.nn.Weights;
import io.paligemma.ops.JavaOps;
import io.paligemma.ops.NativeOps;
import io.paligemma.ops.Ops;
import io.paligemma.ops.Parallel;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.safetensors.SafetensorsWriter;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safetensors format lets a tensor start at any byte. A checkpoint whose F32 matrix and vector start at
 * an offset of 2 still loads and computes on both backends: Weights hands the kernels aligned copies (the
 * ops refuse misaligned memory, which C would read with undefined behaviour).
 */
class UnalignedWeightsTest {

    @Test
    void tensorsAtOddOffsetsAreCopiedIntoAlignedMemory(@TempDir Path dir) throws Exception {
        float[] w = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] b = {0.5f, -0.5f};
        Path file = dir.resolve("model.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("pad", DType.U8, new long[] {2}),
                new TensorSpec("w", DType.F32, new long[] {2, 4}), new TensorSpec("b", DType.F32, new long[] {2}));
        try (SafetensorsWriter out = new SafetensorsWriter(file, Map.of(), specs)) {
            out.write("pad", MemorySegment.ofArray(new byte[] {7, 7}));
            out.write("w", MemorySegment.ofArray(w));
            out.write("b", MemorySegment.ofArray(b));
        }
        try (Parallel parallel = new Parallel(1); Checkpoint c = Checkpoint.open(dir); Weights weights = new Weights(c); Arena arena = Arena.ofConfined()) {
            assertNotEquals(0, c.tensor("w").data().address() % 4, "the stored matrix starts misaligned");
            Tensor m = weights.matrix("w", 2, 4);
            MemorySegment bias = weights.vector("b", 2);
            assertEquals(0, m.data().address() % 4);
            assertEquals(0, bias.address() % 4);
            assertArrayEquals(w, m.data().toArray(ValueLayout.JAVA_FLOAT));
            assertArrayEquals(b, bias.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment x = arena.allocate(4 * 4, 64).copyFrom(MemorySegment.ofArray(new float[] {1, 0, 0, 1}));
            for (Ops ops : new Ops[] {new NativeOps(parallel), new JavaOps(parallel)}) {
                MemorySegment y = arena.allocate(2 * 4, 64);
                ops.linear(x, 1, 4, m, bias, y);
                assertArrayEquals(new float[] {1 + 4 + 0.5f, 5 + 8 - 0.5f}, y.toArray(ValueLayout.JAVA_FLOAT), ops.name());
                assertThrows(IllegalArgumentException.class, () -> ops.linear(x, 1, 4, c.tensor("w"), bias, y),
                        ops.name() + ": the misaligned stored matrix itself is refused");
            }
        }
    }
}
