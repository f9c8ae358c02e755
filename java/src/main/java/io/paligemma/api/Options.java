package io.paligemma.api;

import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ResizeMethod;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;

/**
 * How a model is loaded and run.
 *
 * @param backend native (OpenBLAS + C kernels) or java (Vector API)
 * @param threads compute threads; 0 = the physical cores (hyperthreads not counted)
 * @param maxContext tokens per sequence (prompt + generated); 0 = the image tokens + 512
 * @param resize image resampling: Pillow's bicubic (as Hugging Face) or big_vision's antialiased bilinear
 * @param maxImagePixels decompression-bomb limit for input pictures
 * @param quantization which float weight matrices become int8 as they load ({@link Quantization#NONE}: as stored)
 */
public record Options(Backend backend, int threads, int maxContext, ResizeMethod resize, long maxImagePixels,
                      Quantization quantization) {

    public Options {
        if (quantization == null) {
            throw new IllegalArgumentException("quantization is null: use Quantization.NONE");
        }
    }

    public static Options defaults() {
        return new Options(Backend.NATIVE, 0, 0, ResizeMethod.BICUBIC_PIL, ImageDecoder.DEFAULT_MAX_PIXELS,
                Quantization.NONE);
    }

    /** int8 weights ({@link Quantization#INT8}) or as stored ({@link Quantization#NONE}). */
    public Options withQuantization(Quantization q) {
        return new Options(backend, threads, maxContext, resize, maxImagePixels, q);
    }

    public Options withBackend(Backend b) {
        return new Options(b, threads, maxContext, resize, maxImagePixels, quantization);
    }

    public Options withThreads(int t) {
        return new Options(backend, t, maxContext, resize, maxImagePixels, quantization);
    }

    public Options withMaxContext(int tokens) {
        return new Options(backend, threads, tokens, resize, maxImagePixels, quantization);
    }

    public Options withResize(ResizeMethod r) {
        return new Options(backend, threads, maxContext, r, maxImagePixels, quantization);
    }
}
