package io.paligemma.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON mapper of this package: strict, so that an ambiguous header is an error rather than a guess. */
final class Json {

    /**
     * Duplicate keys and text after the top-level value are errors (a header is padded with spaces only).
     * Strings and names may be as long as a whole header (Jackson's defaults are smaller); the default
     * nesting limit stays, so deep nesting is an error instead of a stack overflow.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) SafetensorsHeader.MAX_HEADER_BYTES)
                            .maxNameLength((int) SafetensorsHeader.MAX_HEADER_BYTES)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }
}
