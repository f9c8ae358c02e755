package io.paligemma.bench;

import java.util.Locale;

/** What one row of the bench table times. */
public enum Stage {
    /** Open config, map the safetensors, build the modules, allocate the workspaces (page cache warm). */
    LOAD,
    /** Resize + rescale + normalise one decoded picture into pixel_values. */
    PREPROCESS,
    /** SigLIP vision tower on one image. */
    VISION,
    /** Multi-modal projector and the 1/sqrt(H) scaling. */
    PROJECTOR,
    /** Embedding + one decoder pass over the whole prompt + the logits of its last row. */
    PREFILL,
    /** Time to first token: preprocess + vision + projector + prefill + choosing the first token. */
    TTFT,
    /** The decode tokens after the first, one decoder pass each, with the KV cache. */
    DECODE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage of an {@link #id()}. */
    public static Stage parse(String id) {
        for (Stage s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no bench stage called " + id);
    }
}
