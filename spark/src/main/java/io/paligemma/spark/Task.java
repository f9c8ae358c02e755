package io.paligemma.spark;

import java.util.Locale;

/**
 * What the prompt asks, which decides the default prompt and the output columns: {@link #DETECT} and
 * {@link #SEGMENT} answers are parsed into objects (label, box in pixels, mask), the others stay text.
 */
public enum Task {
    CAPTION("caption en"),
    ANSWER(null),
    OCR("ocr"),
    DETECT(null),
    SEGMENT(null);

    private final String defaultPrompt;    // null: the task needs a prompt (a question, the things to find)

    Task(String defaultPrompt) {
        this.defaultPrompt = defaultPrompt;
    }

    /** The prompt used when none is set, or null when this task needs one. */
    public String defaultPrompt() {
        return defaultPrompt;
    }

    /** Whether answers are parsed into the objects column. */
    public boolean givesObjects() {
        return this == DETECT || this == SEGMENT;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Task parse(String name) {
        for (Task t : values()) {
            if (t.id().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "': use caption, answer, ocr, detect or segment");
    }
}
