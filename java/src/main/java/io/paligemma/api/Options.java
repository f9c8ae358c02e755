package io.paligemma.api;

import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ResizeMethod;
import io.paligemma.ops.Backend;

/**
 * How a model is loaded and run.
 *
 * @param backend native (OpenBLAS + C kernels) or java (Vector API)
 * @param threads compute threads; 0 = the physical cores (hyperthreads not counted)
 * @param maxContext tokens per sequence (prompt + generated); 0 = the image tokens + 512
 * @param resize image resampling: Pillow's bicubic (as Hugging Face) or big_vision's antialiased bilinear
 * @param maxImagePixels decompression-bomb limit for input pictures
 */
public record Options(Backend backend, int threads, int maxContext, ResizeMethod resize, long maxImagePixels) {

    public static Options defaults() {
        return new Options(Backend.NATIVE, 0, 0, ResizeMethod.BICUBIC_PIL, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    public Options withBackend(Backend b) {
        return new Options(b, threads, maxContext, resize, maxImagePixels);
    }

    public Options withThreads(int t) {
        return new Options(backend, t, maxContext, resize, maxImagePixels);
    }

    public Options withMaxContext(int tokens) {
        return new Options(backend, threads, tokens, resize, maxImagePixels);
    }

    public Options withResize(ResizeMethod r) {
        return new Options(backend, threads, maxContext, r, maxImagePixels);
    }
}
