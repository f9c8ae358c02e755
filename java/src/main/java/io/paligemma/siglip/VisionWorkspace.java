package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Scratch;
import java.lang.foreign.MemorySegment;

/** Activations of the vision tower for up to {@code maxImages} images run together (rows = images × N). */
public final class VisionWorkspace extends Scratch {
    final int maxImages;
    final MemorySegment patches;  // [images·N, C·p·p] unfolded pixels
    final MemorySegment hidden;   // [images·N, D] residual stream
    final MemorySegment normed;   // [images·N, D] layer-norm output
    final MemorySegment q;        // [images·N, D]
    final MemorySegment k;        // [images·N, D]
    final MemorySegment v;        // [images·N, D]
    final MemorySegment attn;     // [images·N, D] heads concatenated
    final MemorySegment scores;   // [N, N] one head at a time
    final MemorySegment mlp;      // [images·N, I]
    final MemorySegment keyLo;    // [N] int32, all 0: no mask in SigLIP
    final MemorySegment keyHi;    // [N] int32, all N

    public VisionWorkspace(SiglipVisionConfig c, int maxImages) {
        this.maxImages = maxImages;
        long n = c.numPatches();
        long rows = maxImages * n;
        long d = c.hiddenSize();
        patches = floats(rows * c.numChannels() * c.patchSize() * c.patchSize());
        hidden = floats(rows * d);
        normed = floats(rows * d);
        q = floats(rows * d);
        k = floats(rows * d);
        v = floats(rows * d);
        attn = floats(rows * d);
        scores = floats(n * n);
        mlp = floats(rows * c.intermediateSize());
        keyLo = ints(n);
        keyHi = ints(n);
        for (int i = 0; i < n; i++) {
            keyHi.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, (int) n);
        }
    }

    /** The vision tower's output rows [images·N, D] (after post_layernorm) of the last forward. */
    public MemorySegment output() {
        return normed;
    }
}
