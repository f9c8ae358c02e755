package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/** SiglipVisionEmbeddings: Conv2d(C→D, kernel p, stride p) as one matmul over unfolded patches, + learned positions. */
final class SiglipVisionEmbeddings {
    private final SiglipVisionConfig config;
    private final Ops ops;
    private final Linear patchEmbedding;         // weight [D, C·p·p] (Conv2d [D, C, p, p] flattened), bias [D]
    private final FloatMatrix positionEmbedding; // [N, D] f32

    SiglipVisionEmbeddings(SiglipVisionConfig c, Weights w, String prefix, Ops ops) {
        this.config = c;
        this.ops = ops;
        int d = c.hiddenSize();
        int p = c.patchSize();
        long[] conv = {d, c.numChannels(), p, p};
        this.patchEmbedding = new Linear(w.matrix(prefix + ".patch_embedding.weight", d, (long) c.numChannels() * p * p, conv),
                w.vector(prefix + ".patch_embedding.bias", d));
        this.positionEmbedding = FloatMatrix.of(w.vector(prefix + ".position_embedding.weight", new long[] {c.numPatches(), d}),
                c.numPatches(), d);
    }

    /** ws.pixels [images, C, S, S] → ws.hidden [images·N, D]. */
    void forward(VisionWorkspace ws, int images) {
        int n = config.numPatches();
        FloatMatrix hidden = ws.hidden.rows(0, images * n);
        FloatMatrix patches = ws.patches.rows(0, images * n);
        unfold(ws.pixels, images, patches);                                    // patch k = grid row k / g, column k % g
        patchEmbedding.forward(ops, patches, hidden);                          // self.patch_embedding(pixel_values)
        for (int i = 0; i < images; i++) {                                     // + self.position_embedding(position_ids)
            FloatMatrix rows = hidden.rows(i * n, n);
            ops.add(rows, rows, positionEmbedding);
        }
    }

    /** im2col in the Conv2d weight's (c, ky, kx) order; the grid is read row-major like flatten(2). */
    private void unfold(FloatMatrix pixels, int images, FloatMatrix patches) {
        int c = config.numChannels();
        int s = config.imageSize();
        int p = config.patchSize();
        int g = config.gridSize();
        for (int img = 0; img < images; img++) {
            for (int gy = 0; gy < g; gy++) {
                for (int gx = 0; gx < g; gx++) {
                    int patch = (img * g + gy) * g + gx;
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            int pixelRow = (img * c + ch) * s + gy * p + ky;   // pixel_values[img, ch, gy·p + ky, :]
                            FloatMatrix.copySpan(pixels, pixelRow, gx * p, patches, patch, (ch * p + ky) * p, p);
                        }
                    }
                }
            }
        }
    }
}
