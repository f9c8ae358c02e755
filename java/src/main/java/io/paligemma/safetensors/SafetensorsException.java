package io.paligemma.safetensors;

/** A safetensors file, shard index or checkpoint directory is unreadable or invalid. The message names the file (and tensor). */
public class SafetensorsException extends RuntimeException {

    public SafetensorsException(String message) {
        super(io.paligemma.text.Untrusted.oneLine(message));
    }

    public SafetensorsException(String message, Throwable cause) {
        super(io.paligemma.text.Untrusted.oneLine(message), cause);
    }
}
