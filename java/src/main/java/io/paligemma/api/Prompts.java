package io.paligemma.api;

import java.util.List;

/** The task prompts PaliGemma was trained with (the model card's "prompt formats"). */
public final class Prompts {
    private Prompts() {
    }

    public static String caption(String lang) {
        return "caption " + lang;
    }

    public static String describe(String lang) {
        return "describe " + lang;
    }

    public static String ocr() {
        return "ocr";
    }

    public static String answer(String lang, String question) {
        return "answer " + lang + " " + question;
    }

    public static String question(String lang, String answer) {
        return "question " + lang + " " + answer;
    }

    /** {@code detect cat ; dog}: boxes as {@code <locYYYY>×4 label} groups separated by " ; ". */
    public static String detect(List<String> things) {
        if (things.isEmpty()) {
            throw new IllegalArgumentException("detect needs at least one thing to look for");
        }
        return "detect " + String.join(" ; ", things);
    }

    /** {@code segment cat}: a box and 16 {@code <segNNN>} codes per object. */
    public static String segment(String thing) {
        return "segment " + thing;
    }
}
