package io.paligemma.safetensors;

import java.util.Locale;

/**
 * How a checkpoint's files become weights: {@link #MMAP} (the default) maps them, so loading is instant
 * and the page cache is shared with every other process reading the same files, but the files must not
 * change while the model is loaded; {@link #COPY} reads them into the process's own memory (llama.cpp's
 * --no-mmap), which costs a full read at load and resident memory, and makes the model immune to the
 * files being rewritten or deleted.
 */
public enum LoadMode {
    MMAP, COPY;

    public static LoadMode parse(String name) {
        for (LoadMode m : values()) {
            if (m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("--load must be mmap or copy, not '" + name + "'");
    }
}
