package io.paligemma.image;

/** How a picture is brought to the model's input size. */
public enum ResizeMethod {

    /**
     * Pillow's {@code Image.resize(size, BICUBIC, reducing_gap=None)} on the uint8 image, as Hugging Face's
     * SiglipImageProcessor does ({@code resample: 3}); bit-identical to Pillow. The default.
     */
    BICUBIC_PIL {
        @Override
        public RgbImage resize(RgbImage image, int width, int height) {
            return PillowBicubicResize.resize(image, width, height);
        }
    },

    /**
     * big_vision's {@code resize(S, antialias=True)} used by PaliGemma's original (JAX) pipeline:
     * TensorFlow's antialiased bilinear resize (triangle kernel stretched by the downscale factor, float32),
     * clipped and truncated to uint8.
     */
    BILINEAR_ANTIALIAS {
        @Override
        public RgbImage resize(RgbImage image, int width, int height) {
            return AntialiasBilinearResize.resize(image, width, height);
        }
    };

    /** {@code image} resampled to {@code width} x {@code height}; the input is not modified. */
    public abstract RgbImage resize(RgbImage image, int width, int height);
}
