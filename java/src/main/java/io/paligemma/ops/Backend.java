package io.paligemma.ops;

import java.util.Locale;

/** Which implementation of {@link Ops} computes: chosen once per engine, e.g. {@code --backend native}. */
public enum Backend {
    /** OpenBLAS + the C kernels of native/. */
    NATIVE,
    /** Pure Java on the Vector API; also the readable specification of every op. */
    JAVA;

    public static Backend parse(String name) {
        for (Backend b : values()) {
            if (b.name().equalsIgnoreCase(name.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "': use native or java");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
