package io.paligemma.detect;

import io.paligemma.detect.ParseProblem.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses PaliGemma's answers to {@code detect …} and {@code segment …} prompts.
 *
 * <p>Detection: groups {@code <locY0><locX0><locY1><locX1> label}; segmentation: the same four loc tokens,
 * then 16 {@code <segNNN>} tokens, then the label. Groups are separated by {@code ;} (the model writes
 * {@code " ; "}), so labels cannot contain {@code ;}. Loc values are 0..1023 (4 digits), seg values 0..127
 * (3 digits). Pixel boxes use {@link Box#fromLoc} (divide by 1023, truncate; big_vision's evaluator).
 *
 * <p>The label may be absent: the object is then kept with label {@code ""}. big_vision's evaluator reads
 * only the 4 + 16 tokens, and models fine-tuned for referring segmentation answer with tokens alone.
 *
 * <p>Nothing is guessed and nothing is thrown for bad text: every malformed part becomes a
 * {@link ParseProblem} and yields no object. Only a non-positive image size is an argument error.
 */
public final class OutputParser {

    private static final Pattern TOKEN = Pattern.compile("<(loc|seg)(\\d+)>|;");
    private static final int SEG_TOKENS = 16;
    private static final int SEG_MAX = 127;

    private OutputParser() {
    }

    /** Parses a detection answer for an image {@code width × height}. */
    public static ParseResult parseDetections(String text, int width, int height) {
        return new OutputParser.Run(text, width, height, false).parse();
    }

    /** Parses a segmentation answer for an image {@code width × height}; masks are not decoded yet. */
    public static ParseResult parseSegmentations(String text, int width, int height) {
        return new OutputParser.Run(text, width, height, true).parse();
    }

    /** Segmentation when the text holds any {@code <seg…>} token, else detection. */
    public static ParseResult parse(String text, int width, int height) {
        return text.contains("<seg") ? parseSegmentations(text, width, height) : parseDetections(text, width, height);
    }

    private enum Type { LOC, SEG, SEP, TEXT }

    /** A lexical token; {@code value} is -1 for SEP/TEXT and for values too long to be meaningful. */
    private record Token(Type type, int start, int end, int value, String digits) {
        boolean isCode() {
            return type == Type.LOC || type == Type.SEG;
        }

        boolean isBlank(String text) {
            return type == Type.TEXT && text.substring(start, end).isBlank();
        }
    }

    private static final class Run {
        private final String text;
        private final int width;
        private final int height;
        private final boolean segment;
        private final List<Token> tokens;
        private final List<DetectedObject> objects = new ArrayList<>();
        private final List<ParseProblem> problems = new ArrayList<>();

        Run(String text, int width, int height, boolean segment) {
            if (width <= 0 || height <= 0) {
                throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
            }
            this.text = text == null ? "" : text;
            this.width = width;
            this.height = height;
            this.segment = segment;
            this.tokens = lex(this.text);
        }

        private static List<Token> lex(String text) {
            List<Token> out = new ArrayList<>();
            Matcher m = TOKEN.matcher(text);
            int last = 0;
            while (m.find()) {
                if (m.start() > last) {
                    out.add(new Token(Type.TEXT, last, m.start(), -1, null));
                }
                if (m.group(1) == null) {
                    out.add(new Token(Type.SEP, m.start(), m.end(), -1, null));
                } else {
                    String digits = m.group(2);
                    // Anything longer than 6 digits is out of range anyway; avoid int overflow.
                    int value = digits.length() > 6 ? Integer.MAX_VALUE : Integer.parseInt(digits);
                    out.add(new Token(m.group(1).equals("loc") ? Type.LOC : Type.SEG, m.start(), m.end(), value, digits));
                }
                last = m.end();
            }
            if (last < text.length()) {
                out.add(new Token(Type.TEXT, last, text.length(), -1, null));
            }
            return out;
        }

        ParseResult parse() {
            int i = 0;
            boolean groupBefore = false;   // a group ended since the last ';'
            while (i < tokens.size()) {
                Token t = tokens.get(i);
                switch (t.type) {
                    case TEXT -> {
                        if (!t.isBlank(text)) {
                            problem(Kind.GARBAGE, t.start, t.end, "text outside any object");
                        }
                        i++;
                    }
                    case SEP -> {
                        if (!groupBefore) {
                            problem(Kind.EMPTY_GROUP, t.start, t.end, "';' with no object before it");
                        }
                        groupBefore = false;
                        i++;
                    }
                    case LOC, SEG -> {
                        i = group(i);   // stops at a ';' (consumed above), the next group, or the end
                        groupBefore = true;
                    }
                }
            }
            return new ParseResult(width, height, objects, problems);
        }

        /** Parses the group starting at token {@code first}; returns the index after its label. */
        private int group(int first) {
            int i = first;
            List<Token> codes = new ArrayList<>();
            // The code run: loc/seg tokens, allowing blanks between them.
            while (i < tokens.size()) {
                Token t = tokens.get(i);
                if (t.isCode()) {
                    codes.add(t);
                    i++;
                } else if (t.isBlank(text) && i + 1 < tokens.size() && tokens.get(i + 1).isCode()) {
                    i++;
                } else {
                    break;
                }
            }
            int labelStart = i < tokens.size() ? tokens.get(i).start : text.length();
            int labelEnd = labelStart;
            while (i < tokens.size() && tokens.get(i).type == Type.TEXT) {
                labelEnd = tokens.get(i).end;
                i++;
            }
            String label = text.substring(labelStart, labelEnd).strip();
            boolean atEnd = i >= tokens.size();
            int start = tokens.get(first).start;
            int end = labelEnd > labelStart ? labelEnd : codes.getLast().end;

            String why = check(codes, label, atEnd, start, end);
            if (why == null) {
                int[] loc = values(codes.subList(0, 4));
                Box box = Box.fromLoc(loc, width, height);
                if (segment) {
                    objects.add(new Segmentation(label, loc, values(codes.subList(4, 4 + SEG_TOKENS)), box, null));
                } else {
                    objects.add(new Detection(label, loc, box));
                }
            }
            if (why == null && !atEnd && tokens.get(i).isCode()) {
                problem(Kind.MISSING_SEPARATOR, start, tokens.get(i).end, "no ';' between two objects");
            }
            return i;
        }

        /** Records the first problem of a group and returns its message, or null when the group is well-formed. */
        private String check(List<Token> codes, String label, boolean atEnd, int start, int end) {
            for (Token t : codes) {
                int digits = t.type == Type.LOC ? 4 : 3;
                if (t.digits.length() != digits) {
                    return problem(Kind.MALFORMED_TOKEN, start, end, text.substring(t.start, t.end)
                            + " is not a PaliGemma token (needs " + digits + " digits)");
                }
            }
            int locs = 0;
            while (locs < codes.size() && codes.get(locs).type == Type.LOC) {
                locs++;
            }
            int segs = codes.size() - locs;
            for (int k = locs; k < codes.size(); k++) {
                if (codes.get(k).type == Type.LOC) {
                    return problem(Kind.UNEXPECTED_TOKEN, start, end, "<loc> token after <seg> tokens");
                }
            }
            int segsNeeded = segment ? SEG_TOKENS : 0;
            boolean tooFew = locs < 4 || (locs == 4 && segs < segsNeeded);
            if (tooFew && atEnd && label.isEmpty()) {
                return problem(Kind.TRUNCATED, start, end, "text ends after " + locs + " loc and " + segs
                        + " seg tokens (needs 4 and " + segsNeeded + ")");
            }
            if (locs != 4) {
                return problem(Kind.WRONG_LOC_COUNT, start, end, locs + " loc tokens, needs 4");
            }
            if (!segment && segs > 0) {
                return problem(Kind.UNEXPECTED_TOKEN, start, end, segs + " seg tokens in a detection answer");
            }
            if (segment && segs != SEG_TOKENS) {
                return problem(Kind.WRONG_SEG_COUNT, start, end, segs + " seg tokens, needs " + SEG_TOKENS);
            }
            for (int k = 0; k < codes.size(); k++) {
                Token t = codes.get(k);
                int max = t.type == Type.LOC ? Box.LOC_MAX : SEG_MAX;
                if (t.value > max) {
                    return problem(t.type == Type.LOC ? Kind.LOC_OUT_OF_RANGE : Kind.SEG_OUT_OF_RANGE, start, end,
                            text.substring(t.start, t.end) + " is above " + max);
                }
            }
            int y0 = codes.get(0).value;
            int x0 = codes.get(1).value;
            int y1 = codes.get(2).value;
            int x1 = codes.get(3).value;
            if (y1 <= y0 || x1 <= x0) {
                return problem(Kind.EMPTY_BOX, start, end, "box y0=" + y0 + " x0=" + x0 + " y1=" + y1 + " x1=" + x1
                        + " has y1 <= y0 or x1 <= x0");
            }
            return null;
        }

        private static int[] values(List<Token> ts) {
            int[] v = new int[ts.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = ts.get(k).value;
            }
            return v;
        }

        private String problem(Kind kind, int start, int end, String message) {
            problems.add(new ParseProblem(kind, start, text.substring(start, end), message));
            return message;
        }
    }
}
