package io.paligemma.image;

import java.io.IOException;

/** A picture that cannot be used: unreadable, corrupt, truncated, of an unknown format, or too large. */
public class ImageException extends IOException {

    public ImageException(String message) {
        super(io.paligemma.text.Untrusted.oneLine(message));
    }

    public ImageException(String message, Throwable cause) {
        super(io.paligemma.text.Untrusted.oneLine(message), cause);
    }
}
