package io.paligemma.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.paligemma.text.Untrusted;
import io.paligemma.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and fully validated JSON header of one safetensors file. Every entry is checked against the
 * size of the data section, so slicing the mapping afterwards can never go out of bounds.
 */
final class SafetensorsHeader {

    /**
     * Larger headers are refused before any allocation, so a hostile length cannot exhaust the heap;
     * the same limit as the reference implementation (Rust safetensors: 100,000,000).
     */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    /** One tensor; begin and end are relative to the data section. */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    final Map<String, String> metadata;
    /** In data-offset order (header order among equal offsets). */
    final List<Entry> entries;

    private SafetensorsHeader(Map<String, String> metadata, List<Entry> entries) {
        this.metadata = metadata;
        this.entries = entries;
    }

    /** Parses {@code bytes} (the header without its 8-byte length) of {@code file}, whose data section holds {@code dataSize} bytes. */
    static SafetensorsHeader parse(Path file, byte[] bytes, long dataSize) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file + ": header is not valid UTF-8 (" + e.getMessage() + ")", e);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new SafetensorsException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file + ": header is not a JSON object (found "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().toString().toLowerCase()) + ")");
        }
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>(root.size());
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.add(parseEntry(file, name, field.getValue(), dataSize));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkOverlaps(file, entries);
        return new SafetensorsHeader(metadata, Collections.unmodifiableList(entries));
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new SafetensorsException(file + ": " + METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file + ": " + METADATA_KEY + " value of '" + Untrusted.clean(e.getKey())
                        + "' is not a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize) {
        String where = file + ": tensor '" + Untrusted.clean(name) + "': ";
        if (!node.isObject()) {
            throw new SafetensorsException(where + "entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(where + (dtypeNode == null ? "missing dtype" : "dtype is not a string"));
        }
        DType dtype = DType.fromSafetensorsName(dtypeNode.textValue());
        if (dtype == null) {
            throw new SafetensorsException(where + "unknown dtype '" + Untrusted.clean(dtypeNode.textValue()) + "'");
        }
        long[] shape = longArray(where, node.get("shape"), "shape", -1);
        long[] offsets = longArray(where, node.get("data_offsets"), "data_offsets", 2);
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new SafetensorsException(where + "negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long bytes;
        try {
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, (long) dtype.size);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + "shape " + Arrays.toString(shape) + " of " + dtype
                    + " overflows a 64-bit byte count");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < 0) {
            throw new SafetensorsException(where + "negative data_offsets " + Arrays.toString(offsets));
        }
        if (end < begin) {
            throw new SafetensorsException(where + "data_offsets end < begin in " + Arrays.toString(offsets));
        }
        if (end > dataSize) {
            throw new SafetensorsException(where + "data_offsets " + Arrays.toString(offsets)
                    + " out of range: the data section has only " + dataSize + " bytes (file truncated?)");
        }
        if (end - begin != bytes) {
            throw new SafetensorsException(where + "data_offsets " + Arrays.toString(offsets) + " span "
                    + (end - begin) + " bytes, but " + dtype + Arrays.toString(shape) + " needs " + bytes + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of 64-bit integers; {@code length} -1 means any length. */
    private static long[] longArray(String where, JsonNode node, String key, int length) {
        if (node == null) {
            throw new SafetensorsException(where + "missing " + key);
        }
        if (!node.isArray()) {
            throw new SafetensorsException(where + key + " is not an array");
        }
        if (length >= 0 && node.size() != length) {
            throw new SafetensorsException(where + key + " has " + node.size() + " elements, expected " + length);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SafetensorsException(where + key + " element " + i + " (" + v + ") is not a 64-bit integer");
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Tensors must not share bytes; empty tensors own no bytes, so they may sit anywhere. */
    private static void checkOverlaps(Path file, List<Entry> sorted) {
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() == e.end()) {
                continue;
            }
            if (previous != null && e.begin() < previous.end()) {
                throw new SafetensorsException(file + ": tensor '" + Untrusted.clean(e.name()) + "' data_offsets ["
                        + e.begin() + ", " + e.end() + "] overlap tensor '" + Untrusted.clean(previous.name()) + "' ["
                        + previous.begin() + ", " + previous.end() + "]");
            }
            previous = e;
        }
    }
}
