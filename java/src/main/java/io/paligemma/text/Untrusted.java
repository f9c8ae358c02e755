package io.paligemma.text;

/**
 * Text from a file or a user (a tensor name, a header, a piece) put into an error message. Messages are one
 * line (the CLI prints each as one), so the text is quoted with its control characters escaped, and cut
 * after {@link #MAX_CHARS} characters so that a hostile 100 MB header does not become a 100 MB message.
 */
public final class Untrusted {

    public static final int MAX_CHARS = 200;

    private Untrusted() {
    }

    /**
     * {@code s} itself when it is short and holds no control or line-breaking character (a tensor name, a
     * dtype as they should be), else {@link #quote}d: for messages that already put the text in quotes.
     */
    public static String clean(String s) {
        if (s == null || s.length() > MAX_CHARS) {
            return quote(s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return quote(s);
            }
        }
        return s;
    }

    /**
     * A whole message made one line: its control and line-breaking characters escaped as {@link #quote} does,
     * nothing else changed. The parsers' exception types pass their messages through it, a net under the
     * places that quote what they name.
     */
    public static String oneLine(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (control && b == null) {
                b = new StringBuilder(message.length() + 16).append(message, 0, i);
            }
            if (b != null) {
                if (!control) {
                    b.append(c);
                } else {
                    b.append(switch (c) {
                        case '\n' -> "\\n";
                        case '\r' -> "\\r";
                        case '\t' -> "\\t";
                        default -> String.format("\\u%04x", (int) c);
                    });
                }
            }
        }
        return b == null ? message : b.toString();
    }

    /** {@code s} in double quotes, control and line-breaking characters as {@code \n}, {@code \u0000} etc. */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 16).append('"');
        int end = Math.min(s.length(), MAX_CHARS);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
        if (s.length() > MAX_CHARS) {
            b.append(" (").append(s.length() - MAX_CHARS).append(" more characters)");
        }
        return b.toString();
    }
}
