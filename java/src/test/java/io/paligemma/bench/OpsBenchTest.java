package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.ops.Backend;
import io.paligemma.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench-ops on small shapes: every (shape, weights) of each backend that starts gets a positive rate. */
class OpsBenchTest {
    @Test
    void smallShapesAndDowncalls() {
        List<OpsBench.Shape> shapes = List.of(new OpsBench.Shape(3, 64, 96, "small"), new OpsBench.Shape(1, 64, 96, "one row"));
        OpsBench.Report r = OpsBench.run(List.of(Backend.NATIVE, Backend.JAVA), shapes, 1, 1, 10_000, 1, Progress.NONE);
        List<String> backends = r.gemm().stream().map(OpsBench.GemmResult::backend).distinct().toList();
        assertTrue(backends.contains("native"));
        assertEquals(2, backends.size() + r.skipped().size());
        assertEquals(shapes.size() * 2 * backends.size(), r.gemm().size());
        for (OpsBench.GemmResult g : r.gemm()) {
            assertTrue(g.bestS() > 0 && g.gflops() > 0, g.toString());
            assertEquals(2.0 * g.shape().m() * 64 * 96 / g.bestS() / 1e9, g.gflops(), 1e-9 * g.gflops());
        }
        assertNotNull(r.find("native", DType.BF16, shapes.get(0)));
        assertTrue(r.downcall().jextractNs() > 0 && r.downcall().criticalNs() > 0);
        assertTrue(r.table().contains("ns/call"), r.table());
    }
}
