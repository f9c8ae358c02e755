package io.paligemma.detect;

import io.paligemma.safetensors.SafetensorsException;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * The decoder half of PaliGemma's mask VQ-VAE ({@code vae-oid.npz}), after big_vision's
 * {@code evaluators/proj/paligemma/transfers/segmentation.py}: 16 {@code <seg>} codes → a 64×64 map of mask
 * logits, then {@link MaskPostprocess} resizes it into the object's box and thresholds it.
 *
 * <p>Steps (NHWC, batch 1): codebook lookup into a 4×4×512 grid (codes row-major), 1×1 conv + ReLU, two
 * residual blocks {@code x + C1x1(relu(C3x3(relu(C3x3(x)))))}, four 4×4 stride-2 transposed convs each
 * followed by ReLU (4→8→16→32→64 pixels, 128→128→64→32→16 channels), a final 1×1 conv to one channel.
 *
 * <p>The weights are copied onto the heap at load time (1.19 M floats), so the decoder holds no file and
 * needs no closing. Calls are thread-safe.
 */
public final class VqVaeMaskDecoder {

    public static final int CODES = 16;
    public static final int CODEBOOK_SIZE = 128;
    public static final int MASK_SIZE = 64;
    private static final int EMBED_DIM = 512;
    private static final int DIM = 128;

    private final float[] codebook;              // [128, 512]
    private final Conv2d conv0;                  // 1×1, 512 → 128
    private final Conv2d[] resBlock0;            // 3×3, 3×3 (128 → 128), 1×1 (128 → 128)
    private final Conv2d[] resBlock1;            // same
    private final ConvTranspose2d[] upsample;    // 128→128, 128→64, 64→32, 32→16; each doubles H and W
    private final Conv2d conv1;                  // 1×1, 16 → 1

    private VqVaeMaskDecoder(WeightSource src) throws IOException {
        codebook = src.floats("_vq_vae._embedding", CODEBOOK_SIZE, EMBED_DIM);
        conv0 = conv(src, "decoder.0", DIM, EMBED_DIM, 1);
        resBlock0 = resBlock(src, "decoder.2.net");
        resBlock1 = resBlock(src, "decoder.3.net");
        upsample = new ConvTranspose2d[] {
            convT(src, "decoder.4", 128, 128), convT(src, "decoder.6", 128, 64),
            convT(src, "decoder.8", 64, 32), convT(src, "decoder.10", 32, 16)};
        conv1 = conv(src, "decoder.12", 1, 16, 1);
    }

    /**
     * Loads the 25 decoder tensors from a {@code .npz} (as big_vision's {@code vae-oid.npz}) or a
     * {@code .safetensors} holding the same names. Other entries (the encoder) are ignored.
     *
     * @throws FileNotFoundException with instructions when the file does not exist
     * @throws IOException when the file cannot be read or lacks a tensor (the message names it)
     */
    public static VqVaeMaskDecoder load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new FileNotFoundException(missingWeightsMessage(path));
        }
        String file = path.getFileName().toString();
        try {
            if (file.endsWith(".npz")) {
                try (NpzReader npz = NpzReader.open(path)) {
                    return new VqVaeMaskDecoder((name, shape) -> {
                        if (!npz.contains(name)) {
                            throw new IOException(path + ": no tensor '" + name + "' (is this the VQ-VAE checkpoint vae-oid.npz?)");
                        }
                        return npz.array(name).toFloats(shape);
                    });
                }
            }
            if (file.endsWith(".safetensors")) {
                try (SafetensorsFile st = SafetensorsFile.open(path)) {
                    return new VqVaeMaskDecoder((name, shape) -> floats(path, st, name, shape));
                }
            }
        } catch (IllegalArgumentException | SafetensorsException e) {
            throw new IOException(e.getMessage().startsWith(path.toString()) ? e.getMessage() : path + ": " + e.getMessage(), e);
        }
        throw new IOException(path + ": segmentation weights must be a .npz or .safetensors file");
    }

    /** The error text for absent weights: they are not part of PaliGemma checkpoints. */
    public static String missingWeightsMessage(Path path) {
        return "segmentation decoder weights not found: " + path + ". The VQ-VAE mask decoder (vae-oid.npz) does "
                + "not ship with PaliGemma checkpoints; download it from big_vision "
                + "(gs://big_vision/paligemma/vae-oid.npz, https://storage.googleapis.com/big_vision/paligemma/vae-oid.npz) "
                + "and pass it with --seg-weights PATH (.npz, or a .safetensors with the same tensor names).";
    }

    /** The 64×64 mask logits (row = y) for 16 codes (each 0..127, the 4×4 grid row-major). */
    public float[] logits64(int[] codes) {
        return logits64(codes, null);
    }

    /**
     * As {@link #logits64(int[])}, and hands each intermediate activation (HWC) to {@code trace} under the
     * names {@code act.conv0, act.resblock0, act.resblock1, act.convT0 … act.convT3}; trace may be null.
     */
    public float[] logits64(int[] codes, BiConsumer<String, float[]> trace) {
        if (codes.length != CODES) {
            throw new IllegalArgumentException("the mask decoder needs " + CODES + " codes, got " + codes.length);
        }
        float[] x = new float[CODES * EMBED_DIM];   // [4, 4, 512]
        for (int k = 0; k < CODES; k++) {
            if (codes[k] < 0 || codes[k] >= CODEBOOK_SIZE) {
                throw new IllegalArgumentException("seg code " + codes[k] + " at " + k + " is outside 0..127");
            }
            System.arraycopy(codebook, codes[k] * EMBED_DIM, x, k * EMBED_DIM, EMBED_DIM);
        }
        int size = 4;
        x = emit(trace, "act.conv0", conv0.apply(x, size, size, true));
        x = emit(trace, "act.resblock0", residual(resBlock0, x, size));
        x = emit(trace, "act.resblock1", residual(resBlock1, x, size));
        for (int u = 0; u < upsample.length; u++) {
            x = emit(trace, "act.convT" + u, upsample[u].applyRelu(x, size, size));
            size *= 2;
        }
        return conv1.apply(x, size, size, false);
    }

    /** The object's mask over the whole image {@code width × height} (all zeros when its box is empty). */
    public BinaryMask mask(Segmentation s, int width, int height) {
        return MaskPostprocess.paste(MaskPostprocess.boxLogits(logits64(s.codes()), s.pixels()), s.pixels(), width, height);
    }

    /** {@code s} with its mask decoded for an image {@code width × height}. */
    public Segmentation decode(Segmentation s, int width, int height) {
        return s.withMask(mask(s, width, height));
    }

    /** The result with every segmentation's mask decoded. */
    public ParseResult decodeAll(ParseResult r) {
        return new ParseResult(r.imageWidth(), r.imageHeight(), r.objects().stream()
                .map(o -> o instanceof Segmentation s ? decode(s, r.imageWidth(), r.imageHeight()) : o).toList(),
                r.problems());
    }

    private static float[] residual(Conv2d[] block, float[] x, int size) {
        float[] h = block[0].apply(x, size, size, true);
        h = block[1].apply(h, size, size, true);
        h = block[2].apply(h, size, size, false);
        for (int j = 0; j < h.length; j++) {
            h[j] += x[j];
        }
        return h;
    }

    private static float[] emit(BiConsumer<String, float[]> trace, String name, float[] x) {
        if (trace != null) {
            trace.accept(name, x.clone());
        }
        return x;
    }

    private static Conv2d conv(WeightSource src, String name, int out, int in, int k) throws IOException {
        return new Conv2d(src.floats(name + ".weight", out, in, k, k), src.floats(name + ".bias", out), out, in, k);
    }

    private static Conv2d[] resBlock(WeightSource src, String name) throws IOException {
        return new Conv2d[] {conv(src, name + ".0", DIM, DIM, 3), conv(src, name + ".2", DIM, DIM, 3),
            conv(src, name + ".4", DIM, DIM, 1)};
    }

    private static ConvTranspose2d convT(WeightSource src, String name, int in, int out) throws IOException {
        return new ConvTranspose2d(src.floats(name + ".weight", in, out, 4, 4), src.floats(name + ".bias", out), in, out);
    }

    private static float[] floats(Path path, SafetensorsFile st, String name, long[] shape) throws IOException {
        Tensor t = st.find(name).orElseThrow(() ->
                new IOException(path + ": no tensor '" + name + "' (is this the VQ-VAE checkpoint vae-oid?)"));
        if (t.dtype() != DType.F32) {
            throw new IOException(path + ": tensor " + name + " is " + t.dtype() + ", the mask decoder needs F32");
        }
        t.expectShape(shape);
        return toFloats(t.data());
    }

    public static float[] toFloats(MemorySegment data) {
        return data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Where weights come from: a tensor by name, checked against its expected shape, as floats. */
    @FunctionalInterface
    private interface WeightSource {
        float[] floats(String name, long... shape) throws IOException;
    }
}
