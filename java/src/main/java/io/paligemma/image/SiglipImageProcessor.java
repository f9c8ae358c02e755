package io.paligemma.image;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Hugging Face's SiglipImageProcessor (transformers 4.47) for one RGB picture: resize the uint8 image to
 * {@code size}, rescale ({@code (float) ((double) u8 * rescale_factor)}, as numpy multiplies in float64 and then
 * casts), normalise ({@code (x - mean) / std} in float32), channels first → pixel_values [3, H, W] float32.
 * Bit-identical to transformers with the default {@link ResizeMethod#BICUBIC_PIL}.
 *
 * <p>Settings come from a checkpoint's {@code preprocessor_config.json}; missing keys take transformers'
 * defaults. A null value means what None means there: {@code size}, {@code image_mean} and {@code image_std}
 * fall back to their defaults, but a null {@code do_*} flag is falsy (the step is skipped), and a null
 * {@code resample} or {@code rescale_factor} (bilinear / a failing rescale in transformers) is refused.
 * {@code do_convert_rgb} has no effect here: {@link ImageDecoder} always yields RGB.
 */
public final class SiglipImageProcessor {

    public static final String CONFIG_FILE = "preprocessor_config.json";

    /** PILImageResampling.BICUBIC, the only filter supported. */
    public static final int RESAMPLE_BICUBIC = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean doResize;
    private final int height;
    private final int width;
    private final boolean doRescale;
    private final double rescaleFactor;
    private final boolean doNormalize;
    private final float[] imageMean; // [3]
    private final float[] imageStd; // [3]
    private final ResizeMethod resizeMethod;
    private final float[][] lut; // [3][256]: pixel value of each uint8 level per channel

    private SiglipImageProcessor(boolean doResize, int height, int width, boolean doRescale, double rescaleFactor,
            boolean doNormalize, float[] imageMean, float[] imageStd, ResizeMethod resizeMethod) {
        if (doResize && (height <= 0 || width <= 0)) {
            throw new IllegalArgumentException("size must be positive, got height " + height + ", width " + width);
        }
        this.doResize = doResize;
        this.height = height;
        this.width = width;
        this.doRescale = doRescale;
        this.rescaleFactor = rescaleFactor;
        this.doNormalize = doNormalize;
        this.imageMean = imageMean.clone();
        this.imageStd = imageStd.clone();
        this.resizeMethod = resizeMethod;
        this.lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                float x = doRescale ? (float) ((double) v * rescaleFactor) : (float) v;
                lut[c][v] = doNormalize ? (x - imageMean[c]) / imageStd[c] : x;
            }
        }
    }

    /** transformers' defaults: 224x224 bicubic, rescale 1/255, mean = std = 0.5. */
    public static SiglipImageProcessor defaults() {
        return new SiglipImageProcessor(true, 224, 224, true, 1 / 255.0, true,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}, ResizeMethod.BICUBIC_PIL);
    }

    /** Reads {@code preprocessor_config.json} from a Hugging Face checkpoint directory. */
    public static SiglipImageProcessor fromPretrained(Path checkpointDir) throws IOException {
        return fromConfigFile(checkpointDir.resolve(CONFIG_FILE));
    }

    /** Reads a SiglipImageProcessor {@code preprocessor_config.json}. */
    public static SiglipImageProcessor fromConfigFile(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file (a checkpoint ships its image settings in " + CONFIG_FILE + ")", e);
        } catch (JacksonException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            // e.g. Jackson's CharConversionException for bytes that are no Unicode encoding
            throw new IOException(file + ": cannot be read as JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object");
        }
        return fromJson(root, file.toString());
    }

    /** Builds the processor from an already parsed config object; {@code source} names it in error messages. */
    public static SiglipImageProcessor fromJson(JsonNode config, String source) {
        ConfigReader r = new ConfigReader(config, source);
        String type = r.string("image_processor_type");
        if (type != null && !type.equals("SiglipImageProcessor") && !type.equals("SiglipImageProcessorFast")) {
            throw new IllegalArgumentException(source + ": image_processor_type is \"" + type
                    + "\", expected SiglipImageProcessor");
        }
        boolean doResize = r.bool("do_resize", true);
        int height = 224;
        int width = 224;
        JsonNode size = config.get("size");
        if (size != null && !size.isNull()) {
            if (!size.isObject() || !size.has("height") || !size.has("width")) {
                throw new IllegalArgumentException(source + ": size must be {\"height\": H, \"width\": W}, got " + size);
            }
            height = r.positiveInt(size, "size.height");
            width = r.positiveInt(size, "size.width");
        }
        if (r.isNull("resample")) {
            throw new IllegalArgumentException(source + ": resample is null (transformers would then use PIL bilinear),"
                    + " only 3 = PIL bicubic is supported");
        }
        int resample = r.integer("resample", RESAMPLE_BICUBIC);
        if (resample != RESAMPLE_BICUBIC) {
            throw new IllegalArgumentException(source + ": resample = " + resample
                    + " is not supported (only 3 = PIL bicubic, what SigLIP/PaliGemma checkpoints use)");
        }
        boolean doRescale = r.bool("do_rescale", true);
        if (doRescale && r.isNull("rescale_factor")) {
            throw new IllegalArgumentException(source + ": do_rescale is true but rescale_factor is null");
        }
        double rescaleFactor = r.number("rescale_factor", 1 / 255.0);
        boolean doNormalize = r.bool("do_normalize", true);
        float[] mean = r.perChannel("image_mean", 0.5f);
        float[] std = r.perChannel("image_std", 0.5f);
        if (doNormalize) {
            for (int c = 0; c < 3; c++) {
                if (std[c] == 0f || !Float.isFinite(std[c]) || !Float.isFinite(mean[c])) {
                    throw new IllegalArgumentException(source + ": image_std/image_mean must be finite with std != 0, got mean "
                            + java.util.Arrays.toString(mean) + ", std " + java.util.Arrays.toString(std));
                }
            }
        }
        return new SiglipImageProcessor(doResize, height, width, doRescale, rescaleFactor, doNormalize, mean, std,
                ResizeMethod.BICUBIC_PIL);
    }

    /** The same settings with another resize algorithm (e.g. big_vision's antialiased bilinear). */
    public SiglipImageProcessor withResizeMethod(ResizeMethod method) {
        return new SiglipImageProcessor(doResize, height, width, doRescale, rescaleFactor, doNormalize, imageMean,
                imageStd, method);
    }

    public ResizeMethod resizeMethod() {
        return resizeMethod;
    }

    public boolean doResize() {
        return doResize;
    }

    /** Target height ({@code size.height}); pictures keep their own size when {@code do_resize} is false. */
    public int height() {
        return height;
    }

    /** Target width ({@code size.width}). */
    public int width() {
        return width;
    }

    /** The uint8 picture the model will see (the resize step alone); {@code image} itself when not resizing. */
    public RgbImage resized(RgbImage image) {
        return doResize ? resizeMethod.resize(image, width, height) : image;
    }

    /** pixel_values of one picture: [3, H, W] float32, channels first. */
    public float[] preprocess(RgbImage image) {
        RgbImage r = resized(image);
        float[] out = new float[3 * r.width() * r.height()];
        writeChannelsFirst(r, out, 0);
        return out;
    }

    /** pixel_values of several same-size pictures: [N, 3, H, W] float32. */
    public float[] preprocess(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to preprocess");
        }
        float[] out = null;
        int per = 0;
        for (int i = 0; i < images.size(); i++) {
            RgbImage r = resized(images.get(i));
            if (out == null) {
                per = 3 * r.width() * r.height();
                out = new float[Math.multiplyExact(per, images.size())];
            } else if (3 * r.width() * r.height() != per) {
                throw new IllegalArgumentException("image " + i + " is " + r.width() + "x" + r.height()
                        + " after resizing; a batch needs one size (set do_resize)");
            }
            writeChannelsFirst(r, out, i * per);
        }
        return out;
    }

    /**
     * Writes pixel_values [3, H, W] float32 (native byte order) into {@code dst} at {@code byteOffset}, e.g. an
     * engine workspace. Returns the number of bytes written.
     */
    public long preprocess(RgbImage image, MemorySegment dst, long byteOffset) {
        RgbImage r = resized(image);
        int n = 3 * r.width() * r.height();
        long bytes = (long) n * Float.BYTES;
        if (byteOffset < 0 || byteOffset > dst.byteSize() - bytes) {
            throw new IndexOutOfBoundsException("pixel_values of " + bytes + " bytes ([3, " + r.height() + ", "
                    + r.width() + "] float32) do not fit at offset " + byteOffset + " of a " + dst.byteSize()
                    + "-byte segment");
        }
        float[] values = new float[n];
        writeChannelsFirst(r, values, 0);
        MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, byteOffset, n);
        return bytes;
    }

    /** Bytes {@link #preprocess(RgbImage, MemorySegment, long)} writes for {@code image}. */
    public long outputBytes(RgbImage image) {
        long h = doResize ? height : image.height();
        long w = doResize ? width : image.width();
        return 3 * h * w * Float.BYTES;
    }

    private void writeChannelsFirst(RgbImage r, float[] out, int offset) {
        byte[] rgb = r.rgb();
        int plane = r.width() * r.height();
        for (int c = 0; c < 3; c++) {
            float[] table = lut[c];
            int o = offset + c * plane;
            for (int p = 0; p < plane; p++) {
                out[o + p] = table[rgb[p * 3 + c] & 0xFF];
            }
        }
    }

    @Override
    public String toString() {
        return "SiglipImageProcessor{do_resize=" + doResize + ", size=" + height + "x" + width + ", resize="
                + resizeMethod + ", do_rescale=" + doRescale + ", rescale_factor=" + rescaleFactor + ", do_normalize="
                + doNormalize + ", image_mean=" + java.util.Arrays.toString(imageMean) + ", image_std="
                + java.util.Arrays.toString(imageStd) + "}";
    }

    /** Typed access to config keys; null or absent keys take the default, wrong types fail naming the key. */
    private record ConfigReader(JsonNode root, String source) {

        private JsonNode get(String key) {
            JsonNode n = root.get(key);
            return n == null || n.isNull() ? null : n;
        }

        private IllegalArgumentException bad(String key, String expected, JsonNode got) {
            return new IllegalArgumentException(source + ": " + key + " must be " + expected + ", got " + got);
        }

        String string(String key) {
            JsonNode n = get(key);
            if (n == null) {
                return null;
            }
            if (!n.isTextual()) {
                throw bad(key, "a string", n);
            }
            return n.asText();
        }

        boolean isNull(String key) {
            JsonNode n = root.get(key);
            return n != null && n.isNull();
        }

        /** Absent: the default; null: false, as None is falsy in transformers' {@code if do_resize:}. */
        boolean bool(String key, boolean dflt) {
            if (isNull(key)) {
                return false;
            }
            JsonNode n = get(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isBoolean()) {
                throw bad(key, "true or false", n);
            }
            return n.booleanValue();
        }

        int integer(String key, int dflt) {
            JsonNode n = get(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw bad(key, "an integer", n);
            }
            return n.intValue();
        }

        int positiveInt(JsonNode parent, String key) {
            JsonNode n = parent.get(key.substring(key.indexOf('.') + 1));
            if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
                throw bad(key, "a positive integer", n);
            }
            return n.intValue();
        }

        double number(String key, double dflt) {
            JsonNode n = get(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isNumber() || !Double.isFinite(n.doubleValue())) {
                throw bad(key, "a finite number", n);
            }
            return n.doubleValue();
        }

        /** A list of 3 numbers, or one number for all channels; numpy casts them to float32. */
        float[] perChannel(String key, float dflt) {
            JsonNode n = get(key);
            if (n == null) {
                return new float[] {dflt, dflt, dflt};
            }
            if (n.isNumber()) {
                float v = (float) n.doubleValue();
                return new float[] {v, v, v};
            }
            if (!n.isArray() || n.size() != 3) {
                throw bad(key, "a number or a list of 3 numbers (one per RGB channel)", n);
            }
            float[] v = new float[3];
            for (int c = 0; c < 3; c++) {
                if (!n.get(c).isNumber()) {
                    throw bad(key, "a list of 3 numbers", n);
                }
                v[c] = (float) n.get(c).doubleValue();
            }
            return v;
        }
    }
}
