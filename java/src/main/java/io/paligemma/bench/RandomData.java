package io.paligemma.bench;

import io.paligemma.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Deterministic uniform noise for benchmark inputs and weights (xorshift64: the same bytes for the same seed). */
public final class RandomData {
    private RandomData() {
    }

    /** count values in [-scale, scale), F32 or BF16 (rounded to nearest even), 64-byte aligned, owned by arena. */
    public static MemorySegment uniform(Arena arena, long count, DType dtype, long seed, float scale) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("random data in F32 or BF16, not " + dtype);
        }
        MemorySegment seg = arena.allocate(Math.max(1, count) * dtype.size, 64);
        long state = seed * 0x9E3779B97F4A7C15L + 1;
        for (long i = 0; i < count; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            float v = ((state >>> 40) * 0x1.0p-24f * 2f - 1f) * scale;
            if (dtype == DType.F32) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
            } else {
                int bits = Float.floatToRawIntBits(v);
                seg.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
            }
        }
        return seg;
    }
}
