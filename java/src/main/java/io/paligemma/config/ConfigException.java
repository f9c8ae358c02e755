package io.paligemma.config;

/** A config.json that cannot describe a model: names the file and the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(io.paligemma.text.Untrusted.oneLine(message));
    }

    public ConfigException(String message, Throwable cause) {
        super(io.paligemma.text.Untrusted.oneLine(message), cause);
    }
}
