package io.paligemma.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 rules as sentencepiece's util.cc applies them (DecodeUTF8, OneCharLen), plus Java string conversions. */
final class Utf8 {

    static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private Utf8() {
    }

    /** sentencepiece's OneCharLen: sequence length announced by a lead byte (1 for stray trail bytes). */
    static int oneCharLen(byte lead) {
        int hi = (lead & 0xFF) >>> 4;
        return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
    }

    /**
     * Byte length of the valid character at {@code s[pos, end)}, or -1 where sentencepiece's DecodeUTF8 fails
     * (it then consumes one byte): truncated, bad trail byte, overlong, surrogate or above U+10FFFF.
     */
    static int validCharLength(byte[] s, int pos, int end) {
        int len = end - pos;
        int b0 = s[pos] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        if (len >= 2 && (b0 & 0xE0) == 0xC0) {
            int cp = ((b0 & 0x1F) << 6) | (s[pos + 1] & 0x3F);
            return trail(s[pos + 1]) && cp >= 0x80 ? 2 : -1;
        }
        if (len >= 3 && (b0 & 0xF0) == 0xE0) {
            int cp = ((b0 & 0x0F) << 12) | ((s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
            return trail(s[pos + 1]) && trail(s[pos + 2]) && cp >= 0x800 && validCodepoint(cp) ? 3 : -1;
        }
        if (len >= 4 && (b0 & 0xF8) == 0xF0) {
            int cp = ((b0 & 0x07) << 18) | ((s[pos + 1] & 0x3F) << 12) | ((s[pos + 2] & 0x3F) << 6) | (s[pos + 3] & 0x3F);
            return trail(s[pos + 1]) && trail(s[pos + 2]) && trail(s[pos + 3]) && cp >= 0x10000 && validCodepoint(cp)
                    ? 4 : -1;
        }
        return -1;
    }

    /**
     * True when {@code s[pos, end)} is shorter than the sequence its lead byte announces and every byte so far
     * is a trail byte: more bytes could still make it a valid character.
     */
    static boolean isTruncatedSequence(byte[] s, int pos, int end) {
        int b0 = s[pos] & 0xFF;
        int need = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 1;
        if (end - pos >= need) {
            return false;
        }
        for (int i = pos + 1; i < end; i++) {
            if (!trail(s[i])) {
                return false;
            }
        }
        return true;
    }

    /** Appends {@code s[pos, end)} decoded as sentencepiece's decoder does: each undecodable byte becomes U+FFFD. */
    static void decodeLenient(byte[] s, int pos, int end, StringBuilder out) {
        int i = pos;
        while (i < end) {
            int n = validCharLength(s, i, end);
            if (n < 0) {
                out.append('\uFFFD');
                i++;
            } else {
                out.append(new String(s, i, n, StandardCharsets.UTF_8));
                i += n;
            }
        }
    }

    /** UTF-8 bytes of a Java string; a lone surrogate (not encodable) becomes U+FFFD. */
    static byte[] encode(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(i + 1));
                if (!paired) {
                    return encode(replaceLoneSurrogates(s));
                }
                i++;
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String replaceLoneSurrogates(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else {
                b.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** UTF-8 length of a Java string without surrogate problems. */
    static int byteLength(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static boolean trail(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static boolean validCodepoint(int cp) {
        return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
    }
}
