package io.paligemma.detect;

/**
 * Something wrong in a PaliGemma answer. {@code offset} is the character index in the text where the
 * offending part starts, {@code fragment} that part verbatim. A group with a problem yields no object,
 * except {@link Kind#MISSING_SEPARATOR}, which is reported but keeps both (well-formed) neighbours.
 */
public record ParseProblem(Kind kind, int offset, String fragment, String message) {

    public enum Kind {
        /** Text that is not part of any object (before the first group, or a stray word). */
        GARBAGE,
        /** A {@code <loc…>} or {@code <seg…>} token with the wrong number of digits. */
        MALFORMED_TOKEN,
        /** The text ends inside a group (fewer loc or seg tokens than needed, nothing after). */
        TRUNCATED,
        /** A group whose loc tokens are not exactly 4 (and not at the end of the text). */
        WRONG_LOC_COUNT,
        /** A segmentation group whose seg tokens are not exactly 16. */
        WRONG_SEG_COUNT,
        /** seg tokens in a detection answer, or tokens in the wrong order (loc after seg). */
        UNEXPECTED_TOKEN,
        /** A loc value above 1023. */
        LOC_OUT_OF_RANGE,
        /** A seg value above 127. */
        SEG_OUT_OF_RANGE,
        /** y1 &lt;= y0 or x1 &lt;= x0 in loc values. */
        EMPTY_BOX,
        /** A {@code ;} with no group before it. */
        EMPTY_GROUP,
        /** Two groups with no {@code ;} between them (both are kept). */
        MISSING_SEPARATOR
    }

    @Override
    public String toString() {
        return kind + " at " + offset + ": " + message + " [" + fragment + "]";
    }
}
