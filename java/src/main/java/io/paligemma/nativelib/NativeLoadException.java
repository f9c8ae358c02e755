package io.paligemma.nativelib;

/** A native library could not be extracted or loaded; the message says which and how to fix it. */
public final class NativeLoadException extends RuntimeException {
    public NativeLoadException(String message, Throwable cause) {
        super(message, cause);
    }

    public NativeLoadException(String message) {
        super(message);
    }
}
