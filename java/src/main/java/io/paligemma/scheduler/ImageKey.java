package io.paligemma.scheduler;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A picture's identity for the caches: the model that computes its features (checkpoint, weights type,
 * backend: anything that changes a feature's bits) and the SHA-256 of its pixel_values, the preprocessed
 * floats the vision tower takes (so two files that preprocess to the same pixels share an entry, and one
 * file resized two ways does not).
 */
public record ImageKey(String model, String pixelsSha256) {

    public static ImageKey of(String model, float[] pixels) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] bytes = new byte[Math.multiplyExact(pixels.length, Float.BYTES)];
            MemorySegment.copy(MemorySegment.ofArray(pixels), 0, MemorySegment.ofArray(bytes), 0, bytes.length);
            sha.update(bytes);
            return new ImageKey(model, HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
