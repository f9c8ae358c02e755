package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Scratch;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.IntColumn;

/** Activations of the vision tower for up to {@code maxImages} images run together (rows = images × N). */
public final class VisionWorkspace extends Scratch {
    final int maxImages;
    final FloatMatrix pixels;   // [images·C·S, S] pixel_values, one image row of one channel per row
    final FloatMatrix patches;  // [images·N, C·p·p] unfolded pixels
    final FloatMatrix hidden;   // [images·N, D] residual stream
    final FloatMatrix normed;   // [images·N, D] layer-norm output
    final FloatMatrix q;        // [images·N, D]
    final FloatMatrix k;        // [images·N, D]
    final FloatMatrix v;        // [images·N, D]
    final FloatMatrix attn;     // [images·N, D] heads concatenated
    final FloatMatrix scores;   // [N, N] one head at a time
    final FloatMatrix mlp;      // [images·N, I]
    final IntColumn keyLo;      // [N] all 0: no mask in SigLIP
    final IntColumn keyHi;      // [N] all N

    public VisionWorkspace(SiglipVisionConfig c, int maxImages) {
        if (maxImages < 1) {
            throw new IllegalArgumentException("a vision workspace for " + maxImages + " images");
        }
        this.maxImages = maxImages;
        int n = c.numPatches();
        long rows = (long) maxImages * n;
        int d = c.hiddenSize();
        pixels = matrix((long) maxImages * c.numChannels() * c.imageSize(), c.imageSize());
        patches = matrix(rows, (long) c.numChannels() * c.patchSize() * c.patchSize());
        hidden = matrix(rows, d);
        normed = matrix(rows, d);
        q = matrix(rows, d);
        k = matrix(rows, d);
        v = matrix(rows, d);
        attn = matrix(rows, d);
        scores = matrix(n, n);
        mlp = matrix(rows, c.intermediateSize());
        keyLo = intColumn(n);
        keyHi = intColumn(n);
        for (int i = 0; i < n; i++) {
            keyHi.set(i, n);
        }
    }

    public int maxImages() {
        return maxImages;
    }

    /** The input of the next forward: pixel_values [images, C, S, S], seen as [images·C·S, S]. */
    public FloatMatrix pixels() {
        return pixels;
    }

    /** The vision tower's output rows [images·N, D] (after post_layernorm) of the last forward. */
    public FloatMatrix output() {
        return normed;
    }
}
