package io.paligemma.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * sentencepiece's normalizer.cc: per position, the longest user-defined symbol (copied unchanged), else the
 * longest precompiled rule, else one UTF-8 character (U+FFFD for a malformed byte); then the whitespace rules of
 * the NormalizerSpec (leading/trailing/duplicate spaces removed, dummy prefix, spaces escaped to U+2581).
 */
final class SentencePieceNormalizer {

    private static final byte[] SPACE_SYMBOL = "\u2581".getBytes(StandardCharsets.UTF_8);

    private final PrecompiledCharsMap charsMap;  // null: no rules (identity)
    private final PrefixMatcher userDefined;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;

    SentencePieceNormalizer(ModelProto.NormalizerSpec spec, boolean treatWhitespaceAsSuffix,
                            PrefixMatcher userDefined, String source) {
        this.charsMap = spec.precompiledCharsmap().length == 0
                ? null : new PrecompiledCharsMap(spec.precompiledCharsmap(), source);
        this.userDefined = userDefined;
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    /** One NormalizePrefix step: output {@code bytes[off, off + len)}, {@code consumed} input bytes. */
    private static final class Step {
        byte[] bytes;
        int off;
        int len;
        int consumed;
        final PrecompiledCharsMap.Match match = new PrecompiledCharsMap.Match();
    }

    String normalize(String text) {
        return new String(normalize(Utf8.encode(text)), StandardCharsets.UTF_8);
    }

    byte[] normalize(byte[] in) {
        int pos = 0;
        int end = in.length;
        Step step = new Step();
        if (removeExtraWhitespaces) {
            while (pos < end) {
                normalizePrefix(in, pos, end, step);
                if (!(step.len == 1 && step.bytes[step.off] == ' ')) {
                    break;
                }
                pos += step.consumed;
            }
        }
        if (pos == end) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(3 * (end - pos) + 3);
        if (!treatWhitespaceAsSuffix && addDummyPrefix) {
            appendSpace(out);
        }
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < end) {
            normalizePrefix(in, pos, end, step);
            int from = step.off;
            int to = step.off + step.len;
            while (prevSpace && from < to && step.bytes[from] == ' ') {
                from++;
            }
            if (from < to) {
                for (int i = from; i < to; i++) {
                    if (escapeWhitespaces && step.bytes[i] == ' ') {
                        out.write(SPACE_SYMBOL, 0, SPACE_SYMBOL.length);
                    } else {
                        out.write(step.bytes[i]);
                    }
                }
                prevSpace = step.bytes[to - 1] == ' ';
            }
            pos += step.consumed;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        byte[] result = out.toByteArray();
        int length = result.length;
        if (removeExtraWhitespaces) {
            byte[] space = escapeWhitespaces ? SPACE_SYMBOL : new byte[] {' '};
            while (endsWith(result, length, space)) {
                length -= space.length;
            }
        }
        if (length != result.length) {
            result = java.util.Arrays.copyOf(result, length);
        }
        if (treatWhitespaceAsSuffix && addDummyPrefix) {
            ByteArrayOutputStream withSuffix = new ByteArrayOutputStream(result.length + 3);
            withSuffix.write(result, 0, result.length);
            appendSpace(withSuffix);
            result = withSuffix.toByteArray();
        }
        return result;
    }

    /**
     * The part of {@link #normalize}'s output that no text appended to {@code text} can change: rules are
     * applied up to the first position where a longer rule could still match. Used to stream a denormalizer;
     * specs that add or remove whitespace hold everything back (empty result).
     */
    String normalizeFinalPrefix(String text) {
        if (addDummyPrefix || removeExtraWhitespaces || treatWhitespaceAsSuffix || !userDefined.isEmpty()) {
            return "";
        }
        byte[] in = Utf8.encode(text);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
        Step step = new Step();
        for (int pos = 0; pos < in.length; pos += step.consumed) {
            normalizePrefix(in, pos, in.length, step);
            if (step.match.exhausted) {
                break;
            }
            for (int i = step.off; i < step.off + step.len; i++) {
                if (escapeWhitespaces && step.bytes[i] == ' ') {
                    out.write(SPACE_SYMBOL, 0, SPACE_SYMBOL.length);
                } else {
                    out.write(step.bytes[i]);
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private void normalizePrefix(byte[] in, int pos, int end, Step step) {
        step.match.exhausted = false;
        int user = userDefined.matchBytes(in, pos, end);
        if (user > 0) {
            set(step, in, pos, user, user);
            return;
        }
        if (charsMap != null && charsMap.longestMatch(in, pos, end, step.match)) {
            set(step, charsMap.strings(), step.match.offset, step.match.length, step.match.consumed);
            return;
        }
        int n = Utf8.validCharLength(in, pos, end);
        if (n < 0) {
            set(step, Utf8.REPLACEMENT, 0, Utf8.REPLACEMENT.length, 1);
        } else {
            set(step, in, pos, n, n);
        }
    }

    private static void set(Step step, byte[] bytes, int off, int len, int consumed) {
        step.bytes = bytes;
        step.off = off;
        step.len = len;
        step.consumed = consumed;
    }

    private void appendSpace(ByteArrayOutputStream out) {
        if (escapeWhitespaces) {
            out.write(SPACE_SYMBOL, 0, SPACE_SYMBOL.length);
        } else {
            out.write(' ');
        }
    }

    private static boolean endsWith(byte[] s, int length, byte[] suffix) {
        if (length < suffix.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (s[length - suffix.length + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }
}
