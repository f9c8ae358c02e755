package io.paligemma.api;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.siglip.VisionWorkspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The memory of one request in flight: vision activations, image features and pixels, decoder + KV cache. */
final class RequestWorkspace implements AutoCloseable {
    final VisionWorkspace vision;
    final DecoderWorkspace decoder;
    private final Arena arena = Arena.ofShared();
    final MemorySegment pixels;   // [3, S, S]
    final MemorySegment features; // [N, H]

    RequestWorkspace(VisionWorkspace vision, DecoderWorkspace decoder, long pixelFloats, long featureFloats) {
        this.vision = vision;
        this.decoder = decoder;
        this.pixels = arena.allocate(pixelFloats * Float.BYTES, 64);
        this.features = arena.allocate(featureFloats * Float.BYTES, 64);
    }

    @Override
    public void close() {
        vision.close();
        decoder.close();
        arena.close();
    }
}
