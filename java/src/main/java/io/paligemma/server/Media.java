package io.paligemma.server;

import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;

/**
 * Pictures named by a request: {@code data:image/...;base64,...} URIs, and {@code file://} URLs under the
 * directory given with {@code --media-dir} (symbolic links resolved before the check). The server fetches
 * nothing from the network: any other URL is refused.
 */
final class Media {
    private final Path mediaDir;       // real path, or null: file:// refused
    private final long maxFileBytes;
    private final ImageDecoder decoder;

    Media(Path mediaDir, long maxFileBytes, long maxImagePixels) {
        try {
            this.mediaDir = mediaDir == null ? null : mediaDir.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("--media-dir " + mediaDir + " does not exist or cannot be read (" + e + ")");
        }
        if (this.mediaDir != null && !Files.isDirectory(this.mediaDir)) {
            throw new IllegalArgumentException("--media-dir " + mediaDir + " is not a directory");
        }
        this.maxFileBytes = maxFileBytes;
        this.decoder = new ImageDecoder(maxImagePixels);
    }

    /** Reads and decodes the picture at {@code url}; {@code param} names the request field in errors. */
    RgbImage image(String url, String param) {
        String lower = url.toLowerCase(Locale.ROOT);
        byte[] bytes;
        String name;
        if (lower.startsWith("data:")) {
            bytes = dataUri(url, param);
            name = "the " + param + " data URI";
        } else if (lower.startsWith("file:")) {
            Path file = file(url, param);
            bytes = read(file, param);
            name = file.toString();
        } else {
            String shown = url.length() > 60 ? url.substring(0, 60) + "..." : url;
            throw ApiException.badRequest(param, "unsupported image URL '" + shown + "': the server fetches nothing from "
                    + "the network; send the picture as a data:image/...;base64,... URI"
                    + (mediaDir == null ? "" : " or a file:// URL under " + mediaDir));
        }
        try {
            return decoder.read(bytes, name);
        } catch (ImageException e) {
            String m = e.getMessage();
            String code = m != null && m.contains("pixels") && m.contains("limit") ? "image_too_large" : "invalid_image";
            throw ApiException.limit(param, code, m + (code.equals("image_too_large")
                    ? " (the server's limit: --max-image-pixels " + decoder.maxPixels() + ")" : ""));
        }
    }

    private static byte[] dataUri(String url, String param) {
        int comma = url.indexOf(',');
        if (comma < 0) {
            throw ApiException.badRequest(param, "malformed data URI: no ',' before the data");
        }
        String meta = url.substring(5, comma).toLowerCase(Locale.ROOT);
        if (!meta.endsWith(";base64")) {
            throw ApiException.badRequest(param, "data URI is not base64 (expected data:image/...;base64,...)");
        }
        String mime = meta.substring(0, meta.length() - ";base64".length());
        if (!mime.isEmpty() && !mime.startsWith("image/") && !mime.equals("application/octet-stream")) {
            throw ApiException.badRequest(param, "data URI has media type '" + mime + "', not an image/* type");
        }
        try {
            return Base64.getDecoder().decode(url.substring(comma + 1).strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(param, "the data URI's base64 is invalid: " + e.getMessage());
        }
    }

    private Path file(String url, String param) {
        if (mediaDir == null) {
            throw ApiException.badRequest(param, "file:// image URLs are refused: the server was started without --media-dir");
        }
        Path p;
        try {
            URI uri = new URI(url);
            if (uri.getAuthority() != null && !uri.getAuthority().isEmpty() && !uri.getAuthority().equals("localhost")) {
                throw ApiException.badRequest(param, "file URL with host '" + uri.getAuthority() + "': only local files "
                        + "(file:///path) are read");
            }
            p = Path.of(uri.getPath() == null ? "" : uri.getPath());
        } catch (URISyntaxException | InvalidPathException e) {
            throw ApiException.badRequest(param, "malformed file URL: " + e.getMessage());
        }
        Path real;
        try {
            real = p.toRealPath();
        } catch (NoSuchFileException e) {
            throw ApiException.badRequest(param, "no such file: " + p);
        } catch (IOException e) {
            throw ApiException.badRequest(param, "cannot read " + p + " (" + e.getMessage() + ")");
        }
        if (!real.startsWith(mediaDir)) {
            throw ApiException.badRequest(param, "file " + p + " is outside the media directory " + mediaDir
                    + " (--media-dir): refused");
        }
        return real;
    }

    private byte[] read(Path file, String param) {
        try {
            if (Files.isDirectory(file)) {
                throw ApiException.badRequest(param, file + " is a directory, not an image file");
            }
            long size = Files.size(file);
            if (size > maxFileBytes) {
                throw ApiException.limit(param, "file_too_large", file + " has " + size + " bytes, over the server's limit of "
                        + maxFileBytes + " (--max-body-mb)");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw ApiException.badRequest(param, "cannot read " + file + " (" + e.getMessage() + ")");
        }
    }
}
