package io.paligemma.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * sentencepiece's precompiled normalization rules ({@code NormalizerSpec.precompiled_charsmap}):
 * {@code <uint32 LE trie size><Darts double-array trie, uint32 LE units><normalized strings, each '\0'-terminated>}.
 * The trie maps a UTF-8 byte sequence to the offset of its replacement in the strings blob.
 */
final class PrecompiledCharsMap {

    private final int[] units;        // [trie size / 4] Darts double-array units
    private final byte[] normalized;  // [blob size - 4 - trie size] replacement strings, '\0'-terminated
    private final String source;

    /** Result of {@link #longestMatch}: replacement {@code normalized[offset, offset + length)}, {@code consumed} input bytes. */
    static final class Match {
        int consumed;
        int offset;
        int length;
        boolean exhausted;  // the search ran out of input inside the trie: more input could match longer
    }

    PrecompiledCharsMap(byte[] blob, String source) {
        this.source = source;
        if (blob.length <= 4) {
            throw broken("blob of " + blob.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieSize = Integer.toUnsignedLong(buf.getInt(0));
        if (trieSize >= blob.length || trieSize % 4 != 0 || trieSize > blob.length - 4) {
            throw broken("trie size " + trieSize + " in a blob of " + blob.length + " bytes");
        }
        units = new int[(int) (trieSize / 4)];
        for (int i = 0; i < units.length; i++) {
            units[i] = buf.getInt(4 + 4 * i);
        }
        if (units.length == 0) {
            throw broken("empty trie");
        }
        int start = 4 + (int) trieSize;
        normalized = new byte[blob.length - start];
        System.arraycopy(blob, start, normalized, 0, normalized.length);
    }

    private TokenizerException broken(String what) {
        return new TokenizerException(source + ": normalization rule (precompiled_charsmap) is broken: " + what);
    }

    /**
     * Longest rule whose key is a prefix of {@code input[pos, end)}, as sentencepiece's normalizer picks it from
     * Darts' commonPrefixSearch; false when no rule matches.
     */
    boolean longestMatch(byte[] input, int pos, int end, Match out) {
        return search(input, pos, end, false, out);
    }

    /**
     * Replacement of the shortest rule whose key is a prefix of {@code input} (Hugging Face's Precompiled
     * normalizer takes the first common-prefix result), or null.
     */
    String shortestMatch(byte[] input) {
        Match m = new Match();
        return search(input, 0, input.length, true, m)
                ? new String(normalized, m.offset, m.length, StandardCharsets.UTF_8) : null;
    }

    private boolean search(byte[] input, int pos, int end, boolean firstOnly, Match out) {
        int nodePos = 0;
        int unit = unit(nodePos);
        nodePos ^= offset(unit);
        int found = -1;
        int value = 0;
        out.exhausted = true;
        for (int i = pos; i < end; i++) {
            int label = input[i] & 0xFF;
            nodePos ^= label;
            unit = unit(nodePos);
            // label(): the low byte plus the leaf bit 31; a leaf unit never equals a byte label
            if ((unit & ((1 << 31) | 0xFF)) != label) {
                out.exhausted = false;
                break;
            }
            nodePos ^= offset(unit);
            if (((unit >>> 8) & 1) == 1) {
                found = i + 1 - pos;
                value = unit(nodePos) & 0x7FFFFFFF;
                if (firstOnly) {
                    out.exhausted = false;
                    break;
                }
            }
        }
        if (found < 0) {
            return false;
        }
        if (value >= normalized.length) {
            throw broken("replacement offset " + value + " outside the strings blob of " + normalized.length + " bytes");
        }
        int stop = value;
        while (stop < normalized.length && normalized[stop] != 0) {
            stop++;
        }
        out.consumed = found;
        out.offset = value;
        out.length = stop - value;
        return true;
    }

    byte[] strings() {
        return normalized;
    }

    private int unit(int nodePos) {
        if (nodePos < 0 || nodePos >= units.length) {
            throw broken("trie index " + nodePos + " outside " + units.length + " units");
        }
        return units[nodePos];
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }
}
