package io.paligemma.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Typed reads of one JSON object of a Hugging Face config, with transformers' default for a missing
 * key and an error naming file and key for a value of the wrong type.
 */
final class JsonConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String where; // "config.json" or "config.json: text_config", for messages
    private final JsonNode node;

    JsonConfig(String where, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(where + " is not a JSON object");
        }
        this.where = where;
        this.node = node;
    }

    static JsonConfig read(Path file) {
        try {
            return new JsonConfig(file.toString(), JSON.readTree(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + " does not exist (a Hugging Face checkpoint directory has config.json)");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // the original message only: getMessage() adds a second line with Jackson's source description
            var at = e.getLocation();
            throw new ConfigException(file + " is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new ConfigException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    String where() {
        return where;
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** The nested object at key, or an empty object when absent. */
    JsonConfig object(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return new JsonConfig(where + ": " + key, JSON.createObjectNode());
        }
        return new JsonConfig(where + ": " + key, v);
    }

    int integer(String key, int fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !(v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())))) {
            throw new ConfigException(where + ": \"" + key + "\" must be an integer, found " + v);
        }
        return v.asInt();
    }

    int requiredInteger(String key) {
        if (!has(key)) {
            throw new ConfigException(where + ": required key \"" + key + "\" is missing");
        }
        return integer(key, 0);
    }

    double number(String key, double fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new ConfigException(where + ": \"" + key + "\" must be a number, found " + v);
        }
        return v.asDouble();
    }

    /** A number that may be JSON null (meaning "off"): NaN when null or absent-with-null-default. */
    double nullableNumber(String key, double fallbackWhenAbsent) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallbackWhenAbsent;
        }
        if (v.isNull()) {
            return Double.NaN;
        }
        return number(key, fallbackWhenAbsent);
    }

    String string(String key, String fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new ConfigException(where + ": \"" + key + "\" must be a string, found " + v);
        }
        return v.asText();
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(where + ": \"" + key + "\" must be true or false, found " + v);
        }
        return v.asBoolean();
    }

    double[] numbers(String key, double[] fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback.clone();
        }
        if (v.isNumber()) {
            double[] out = new double[fallback.length];
            java.util.Arrays.fill(out, v.asDouble());
            return out;
        }
        if (!v.isArray()) {
            throw new ConfigException(where + ": \"" + key + "\" must be a list of numbers, found " + v);
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) {
                throw new ConfigException(where + ": \"" + key + "\"[" + i + "] must be a number, found " + v.get(i));
            }
            out[i] = v.get(i).asDouble();
        }
        return out;
    }

    /** A finite number above {@code min} (or equal to it when {@code orEqual}), with a message naming the key. */
    static double finite(String where, String key, double value, double min, boolean orEqual) {
        if (!Double.isFinite(value) || value < min || (value == min && !orEqual)) {
            throw new ConfigException(where + ": \"" + key + "\" must be a finite number " + (orEqual ? ">= " : "> ")
                    + min + ", found " + value);
        }
        return value;
    }

    /** Positive-value check with a message naming the key. */
    static int positive(String where, String key, int value) {
        if (value <= 0) {
            throw new ConfigException(where + ": \"" + key + "\" must be positive, found " + value);
        }
        return value;
    }
}
