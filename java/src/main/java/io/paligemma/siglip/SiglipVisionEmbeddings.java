package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** SiglipVisionEmbeddings: Conv2d(C→D, kernel p, stride p) as one matmul over unfolded patches, + learned positions. */
final class SiglipVisionEmbeddings {
    private final SiglipVisionConfig config;
    private final Ops ops;
    private final Linear patchEmbedding;         // weight [D, C·p·p] (Conv2d [D, C, p, p] flattened), bias [D]
    private final MemorySegment positionEmbedding; // [N, D] f32

    SiglipVisionEmbeddings(SiglipVisionConfig c, Weights w, String prefix, Ops ops) {
        this.config = c;
        this.ops = ops;
        int d = c.hiddenSize();
        int p = c.patchSize();
        long[] conv = {d, c.numChannels(), p, p};
        this.patchEmbedding = new Linear(w.matrix(prefix + ".patch_embedding.weight", d, (long) c.numChannels() * p * p, conv),
                w.vector(prefix + ".patch_embedding.bias", d));
        this.positionEmbedding = w.vector(prefix + ".position_embedding.weight", new long[] {c.numPatches(), d});
    }

    /** pixels [images, C, S, S] → ws.hidden [images·N, D]. */
    void forward(MemorySegment pixels, int images, VisionWorkspace ws) {
        int n = config.numPatches();
        int d = config.hiddenSize();
        unfold(pixels, images, ws.patches);                                    // patch k = grid row k / g, column k % g
        patchEmbedding.forward(ops, ws.patches, images * n, ws.hidden);       // self.patch_embedding(pixel_values)
        for (int i = 0; i < images; i++) {                                      // + self.position_embedding(position_ids)
            MemorySegment rows = ws.hidden.asSlice((long) i * n * d * Float.BYTES, (long) n * d * Float.BYTES);
            ops.add(rows, rows, positionEmbedding, (long) n * d);
        }
    }

    /** im2col in the Conv2d weight's (c, ky, kx) order; the grid is read row-major like flatten(2). */
    private void unfold(MemorySegment pixels, int images, MemorySegment patches) {
        int c = config.numChannels();
        int s = config.imageSize();
        int p = config.patchSize();
        int g = config.gridSize();
        long need = (long) images * c * s * s * Float.BYTES;
        if (pixels.byteSize() < need) {
            throw new IllegalArgumentException("pixel_values hold " + pixels.byteSize() / Float.BYTES + " floats, need "
                    + need / Float.BYTES + " for " + images + " image(s) of " + c + "×" + s + "×" + s);
        }
        long out = 0;
        for (int img = 0; img < images; img++) {
            long base = (long) img * c * s * s;
            for (int gy = 0; gy < g; gy++) {
                for (int gx = 0; gx < g; gx++) {
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            long src = base + ((long) ch * s + gy * p + ky) * s + (long) gx * p;
                            MemorySegment.copy(pixels, ValueLayout.JAVA_FLOAT, src * Float.BYTES,
                                    patches, ValueLayout.JAVA_FLOAT, out * Float.BYTES, p);
                            out += p;
                        }
                    }
                }
            }
        }
    }
}
