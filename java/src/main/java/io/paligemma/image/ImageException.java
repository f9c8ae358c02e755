package io.paligemma.image;

import java.io.IOException;

/** A picture that cannot be used: unreadable, corrupt, truncated, of an unknown format, or too large. */
public class ImageException extends IOException {

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
