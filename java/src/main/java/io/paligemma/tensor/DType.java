package io.paligemma.tensor;

/**
 * Element types of safetensors files, with the names the format uses in its header, plus the engine's
 * one quantized type, {@link #Q8_0}.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), F64(8), I64(8), U64(8),
    F8_E4M3(1), F8_E5M2(1),
    /**
     * int8 weights in blocks of {@link Q8#BLOCK} along the last dimension, one IEEE-half scale per block
     * ({@link Q8}): the element size counts the int8 values, the scales live in {@link Tensor#scales()}.
     * Not a safetensors type: a checkpoint stores it as an I8 tensor and an F16 scale tensor.
     */
    Q8_0(1);

    /** Bytes per element. */
    public final int size;

    DType(int size) {
        this.size = size;
    }

    /** The dtype named {@code name} in a safetensors header, or null when the name is unknown. */
    public static DType fromSafetensorsName(String name) {
        for (DType d : values()) {
            if (d != Q8_0 && d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** True for the floating types a weight matrix may have (F32, BF16, F16). */
    public boolean isWeightFloat() {
        return this == F32 || this == BF16 || this == F16;
    }

    /** True for every type a weight matrix may have: the float types and {@link #Q8_0}. */
    public boolean isWeight() {
        return isWeightFloat() || this == Q8_0;
    }
}
