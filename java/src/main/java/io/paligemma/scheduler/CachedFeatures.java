package io.paligemma.scheduler;

import io.paligemma.nn.Scratch;
import io.paligemma.tensor.FloatMatrix;

/** A copy of one picture's image features [N, H], kept off-heap by the feature cache. */
final class CachedFeatures extends Scratch {
    final FloatMatrix features; // [N, H]

    CachedFeatures(FloatMatrix source) {
        features = matrix(source.rows(), source.columns());
        features.copyFrom(source);
    }

    static long bytes(FloatMatrix source) {
        return source.size() * Float.BYTES;
    }
}
