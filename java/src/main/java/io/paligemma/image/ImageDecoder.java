package io.paligemma.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads PNG, JPEG (baseline, progressive, grayscale, CMYK), BMP, GIF and WebP into 8-bit RGB the way
 * {@code PIL.Image.open(f).convert("RGB")} does (see {@link PilRgbConversion} for the per-mode rules).
 *
 * <p>The size is read from the header first, and a picture with more than {@code maxPixels} pixels is refused
 * before any pixel is decoded (PIL raises {@code DecompressionBombError} above 2 × MAX_IMAGE_PIXELS).
 * Every failure of the underlying readers surfaces as an {@link ImageException} naming the file.
 */
public final class ImageDecoder {

    /** PIL's DecompressionBombError threshold: 2 × Image.MAX_IMAGE_PIXELS (89,478,485). */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    /** The largest picture an RgbImage can hold (its byte[] is indexed by int). */
    private static final long ARRAY_LIMIT_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** @param maxPixels the largest width × height accepted; larger pictures are refused unread */
    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Decodes the first picture of {@code file}. */
    public RgbImage read(Path file) throws ImageException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ImageException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ImageException(file + ": cannot read (" + e + ")", e);
        }
        if (Files.isDirectory(file)) {
            throw new ImageException(file + ": is a directory, not an image file");
        }
        if (size == 0) {
            throw new ImageException(file + ": empty file, not an image");
        }
        ImageInputStream in;
        try {
            in = ImageIO.createImageInputStream(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new ImageException(file + ": cannot open (" + e + ")", e);
        }
        if (in == null) {
            throw new ImageException(file + ": cannot open as an image stream");
        }
        return decode(in, file.toString());
    }

    /** Decodes the first picture in {@code bytes}; {@code name} is used in error messages. */
    public RgbImage read(byte[] bytes, String name) throws ImageException {
        if (bytes.length == 0) {
            throw new ImageException(name + ": empty input, not an image");
        }
        return decode(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)), name);
    }

    private RgbImage decode(ImageInputStream input, String name) throws ImageException {
        ImageReader reader = null;
        try (ImageInputStream in = new EofLimitedStream(input)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageException(name + ": not an image in a supported format (PNG, JPEG, BMP, GIF, WebP)");
            }
            reader = readers.next();
            String format = reader.getFormatName().toUpperCase(Locale.ROOT);
            if (format.equals("PNG")) {
                checkPngHeader(in, name);
            }
            reader.setInput(in, true, false);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, message) -> warnings.add(message));

            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkSize(name, format, width, height);

            ImageReadParam param = reader.getDefaultReadParam();
            ImageTypeSpecifier raw = uncorrectedType(reader);
            if (raw != null) {
                // Pillow applies no ICC profile and converts CMYK by formula: ask for the stored samples
                param.setDestinationType(raw);
            }
            BufferedImage image = reader.read(0, param);
            for (String w : warnings) {
                String lower = w.toLowerCase(Locale.ROOT);
                // PIL refuses truncated files (LOAD_TRUNCATED_IMAGES is off); readers here only warn and pad
                if (lower.contains("truncat") || lower.contains("premature end")) {
                    throw new ImageException(name + ": truncated " + format + " file (" + w + ")");
                }
            }
            if (image.getWidth() != width || image.getHeight() != height) {
                throw new ImageException(name + ": " + format + " header says " + width + "x" + height
                        + " but " + image.getWidth() + "x" + image.getHeight() + " pixels were decoded");
            }
            return PilRgbConversion.toRgb(image);
        } catch (ImageException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageException(name + ": corrupt or truncated image (" + describe(e) + ")", e);
        } catch (RuntimeException e) {
            // ImageIO plugins signal some malformed inputs with unchecked exceptions
            throw new ImageException(name + ": corrupt image, the decoder failed (" + describe(e) + ")", e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    private void checkSize(String name, String format, int width, int height) throws ImageException {
        if (width <= 0 || height <= 0) {
            throw new ImageException(name + ": " + format + " header gives an invalid size " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageException(name + ": image size " + width + "x" + height + " (" + pixels
                    + " pixels) exceeds the limit of " + maxPixels
                    + " pixels; refusing to decode a possible decompression bomb");
        }
        if (pixels > ARRAY_LIMIT_PIXELS) {
            throw new ImageException(name + ": image size " + width + "x" + height + " (" + pixels
                    + " pixels) is too large for an in-memory RGB image (at most " + ARRAY_LIMIT_PIXELS + ")");
        }
    }

    /**
     * The destination type in the picture's own colour space when the reader offers one besides sRGB
     * (TwelveMonkeys JPEG does for CMYK/YCCK and for an embedded non-sRGB ICC profile), else null.
     */
    /**
     * The PNG header chunk's CRC-32, which Pillow checks and refuses a file over, and Java's PNG reader does
     * not: a corrupt IHDR (the chunk that gives the size and pixel format) is an error, not a guess.
     */
    private static void checkPngHeader(ImageInputStream in, String name) throws IOException, ImageException {
        byte[] head = new byte[33]; // signature (8), length (4), "IHDR" (4), 13 bytes of data, CRC (4)
        in.mark();
        try {
            in.readFully(head);
        } catch (java.io.EOFException e) {
            throw new ImageException(name + ": truncated PNG file (" + in.getStreamPosition() + " bytes, no whole IHDR chunk)");
        } finally {
            in.reset();
        }
        if (head[12] != 'I' || head[13] != 'H' || head[14] != 'D' || head[15] != 'R') {
            throw new ImageException(name + ": corrupt PNG file (the first chunk is not IHDR)");
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(head, 12, 17);
        long stored = java.nio.ByteBuffer.wrap(head, 29, 4).getInt() & 0xffffffffL;
        if (crc.getValue() != stored) {
            throw new ImageException(name + ": corrupt PNG file (IHDR chunk checksum " + Long.toHexString(stored)
                    + ", computed " + Long.toHexString(crc.getValue()) + ")");
        }
    }

    private static ImageTypeSpecifier uncorrectedType(ImageReader reader) throws IOException {
        for (Iterator<ImageTypeSpecifier> it = reader.getImageTypes(0); it.hasNext(); ) {
            ImageTypeSpecifier t = it.next();
            ColorSpace cs = t.getColorModel().getColorSpace();
            boolean cmyk = cs.getType() == ColorSpace.TYPE_CMYK && t.getColorModel().getNumComponents() == 4;
            boolean profiledRgb = cs.getType() == ColorSpace.TYPE_RGB && !cs.isCS_sRGB()
                    && !(t.getColorModel() instanceof IndexColorModel);
            if (cmyk || profiledRgb) {
                return t;
            }
        }
        return null;
    }

    /** What the readers said, without their class names: "Invalid chunk length 1186; unexpected end of data". */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (Throwable c = e; c != null && depth < 5; c = c.getCause(), depth++) {
            String m = c.getMessage() != null && !c.getMessage().isBlank() ? c.getMessage()
                    : c instanceof java.io.EOFException ? "unexpected end of data"
                    : c.getClass().getSimpleName().replaceAll("(Exception|Error)$", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                            .toLowerCase(Locale.ROOT);
            if (sb.indexOf(m) < 0) {
                sb.append(sb.isEmpty() ? "" : "; ").append(m);
            }
        }
        return io.paligemma.text.Untrusted.quote(sb.toString());
    }
}
