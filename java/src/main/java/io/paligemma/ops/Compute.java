package io.paligemma.ops;

import java.util.Locale;

/**
 * The arithmetic of products with bf16 weights. {@link #F32} (the default) computes in float32 and matches
 * Hugging Face's float32 results; {@link #BF16} is an opt-in speed mode of the native backend that rounds
 * the activations to bf16 and runs the products on bf16 dot-product hardware (AMX tiles where the OS
 * grants them, else AVX512-BF16's VDPBF16PS), from 16 rows up (prefill and the vision tower: decode stays
 * float32, it is bound by memory, not arithmetic). A CPU without either unit refuses the mode with a
 * message rather than emulating it slowly. Its error against float32 is measured by
 * {@code paligemma accuracy --compute bf16} and published in BENCHMARKS.md.
 */
public enum Compute {
    F32, BF16;

    public static Compute parse(String name) {
        for (Compute c : values()) {
            if (c.name().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compute precision '" + name + "': use f32 or bf16");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
