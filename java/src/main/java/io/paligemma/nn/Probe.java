package io.paligemma.nn;

import java.lang.foreign.MemorySegment;

/**
 * Records named intermediates of a forward pass under their Hugging Face module paths (for example
 * {@code language_model.model.layers.3}), so a mismatch can be located layer by layer. The data is a
 * workspace view valid only during the call: copy what you keep.
 */
@FunctionalInterface
public interface Probe {

    Probe NONE = (name, data, shape) -> { };

    /** data holds float32 values of the given shape, row-major. */
    void record(String name, MemorySegment data, long... shape);

    default boolean enabled() {
        return this != NONE;
    }
}
