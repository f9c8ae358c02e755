package io.paligemma.api;

import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ResizeMethod;
import io.paligemma.nn.Quantization;
import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.safetensors.LoadMode;
import io.paligemma.scheduler.SchedulerOptions;

/**
 * How a model is loaded and run.
 *
 * @param backend native (OpenBLAS + C kernels) or java (Vector API)
 * @param threads compute threads; 0 = the physical cores (hyperthreads not counted)
 * @param maxContext tokens per sequence (prompt + generated); 0 = the image tokens + 512
 * @param resize image resampling: Pillow's bicubic (as Hugging Face) or big_vision's antialiased bilinear
 * @param maxImagePixels decompression-bomb limit for input pictures
 * @param quantization which float weight matrices become int8 as they load ({@link Quantization#NONE}: as stored)
 * @param compute arithmetic of bf16-weight products: {@link Compute#F32} (default, exact) or the native
 *                backend's opt-in {@link Compute#BF16}
 * @param load how the checkpoint's files become weights: mapped (default) or copied into memory
 * @param scheduler the model's request scheduler: sequences running at once, queue bound, KV-cache budget,
 *                  prefill chunk, feature and prefix caches
 */
public record Options(Backend backend, int threads, int maxContext, ResizeMethod resize, long maxImagePixels,
                      Quantization quantization, Compute compute, LoadMode load, SchedulerOptions scheduler) {

    public Options {
        if (quantization == null) {
            throw new IllegalArgumentException("quantization is null: use Quantization.NONE");
        }
        if (compute == null) {
            throw new IllegalArgumentException("compute is null: use Compute.F32");
        }
        if (load == null) {
            throw new IllegalArgumentException("load is null: use LoadMode.MMAP");
        }
        if (scheduler == null) {
            throw new IllegalArgumentException("scheduler is null: use SchedulerOptions.defaults()");
        }
        if (maxContext < 0) {
            throw new IllegalArgumentException("max context must be >= 0 tokens (0: the image tokens + 512), got " + maxContext);
        }
    }

    /** f32 (exact, the default) or bf16 arithmetic for bf16 weights (native backend, AMX or AVX512-BF16 only). */
    public Options withCompute(Compute c) {
        return new Options(backend, threads, maxContext, resize, maxImagePixels, quantization, c, load, scheduler);
    }

    public static Options defaults() {
        return new Options(Backend.NATIVE, 0, 0, ResizeMethod.BICUBIC_PIL, ImageDecoder.DEFAULT_MAX_PIXELS,
                Quantization.NONE, Compute.F32, LoadMode.MMAP, SchedulerOptions.defaults());
    }

    /** Map the checkpoint's files (default) or read them into memory ({@link LoadMode#COPY}). */
    public Options withLoad(LoadMode mode) {
        return new Options(backend, threads, maxContext, resize, maxImagePixels, quantization, compute, mode, scheduler);
    }

    /** int8 weights ({@link Quantization#INT8}) or as stored ({@link Quantization#NONE}). */
    public Options withQuantization(Quantization q) {
        return new Options(backend, threads, maxContext, resize, maxImagePixels, q, compute, load, scheduler);
    }

    public Options withBackend(Backend b) {
        return new Options(b, threads, maxContext, resize, maxImagePixels, quantization, compute, load, scheduler);
    }

    public Options withThreads(int t) {
        return new Options(backend, t, maxContext, resize, maxImagePixels, quantization, compute, load, scheduler);
    }

    public Options withMaxContext(int tokens) {
        return new Options(backend, threads, tokens, resize, maxImagePixels, quantization, compute, load, scheduler);
    }

    /** The scheduler's limits, budgets and caches ({@link SchedulerOptions#defaults()} unless set). */
    public Options withScheduler(SchedulerOptions s) {
        return new Options(backend, threads, maxContext, resize, maxImagePixels, quantization, compute, load, s);
    }

    public Options withResize(ResizeMethod r) {
        return new Options(backend, threads, maxContext, r, maxImagePixels, quantization, compute, load, scheduler);
    }
}
