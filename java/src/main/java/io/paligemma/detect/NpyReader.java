package io.paligemma.detect;

import io.paligemma.text.Untrusted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the {@code .npy} format (versions 1.0, 2.0, 3.0): magic {@code \x93NUMPY}, version, a
 * little-endian header length (2 bytes in 1.0, else 4), a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (128, 512), }}, then the raw data.
 * Only the header is interpreted here; {@link NpyArray#toFloats} decides which dtypes it accepts.
 */
public final class NpyReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private NpyReader() {
    }

    /** Parses {@code bytes} as one .npy file; {@code name} is only used in error messages. */
    public static NpyArray parse(String name, byte[] bytes) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IllegalArgumentException(name + ": not a .npy array (bad magic)");
        }
        int major = bytes[6] & 0xff;
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException(name + ": truncated .npy header");
            }
            long len = (bytes[8] & 0xffL) | (bytes[9] & 0xffL) << 8 | (bytes[10] & 0xffL) << 16 | (bytes[11] & 0xffL) << 24;
            if (len > bytes.length) {
                throw new IllegalArgumentException(name + ": .npy header length " + len + " exceeds the file");
            }
            headerLen = (int) len;
            headerStart = 12;
        } else {
            throw new IllegalArgumentException(name + ": unsupported .npy version " + major + "." + (bytes[7] & 0xff));
        }
        if (headerStart + headerLen > bytes.length) {
            throw new IllegalArgumentException(name + ": .npy header length " + headerLen + " exceeds the file");
        }
        String header = new String(bytes, headerStart, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new DictParser(name, header).parse();

        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (!(descr instanceof String d)) {
            throw new IllegalArgumentException(name + ": .npy header 'descr' is " + describe(descr)
                    + " (structured dtypes are not supported): " + Untrusted.quote(header.strip()));
        }
        if (!(fortran instanceof Boolean f)) {
            throw new IllegalArgumentException(name + ": .npy header has no boolean 'fortran_order': "
                    + Untrusted.quote(header.strip()));
        }
        if (!(shape instanceof long[] s)) {
            throw new IllegalArgumentException(name + ": .npy header has no 'shape' tuple: " + Untrusted.quote(header.strip()));
        }
        long count = 1;
        for (long dim : s) {
            count = dim != 0 && count > Long.MAX_VALUE / dim ? -1 : count * dim;
            if (count < 0) {
                throw new IllegalArgumentException(name + ": .npy shape " + Arrays.toString(s) + " has more elements than a long counts");
            }
        }
        byte[] data = Arrays.copyOfRange(bytes, headerStart + headerLen, bytes.length);
        int itemSize = itemSize(d);
        if (itemSize > 0 && (count > Long.MAX_VALUE / itemSize || (long) data.length != count * itemSize)) {
            throw new IllegalArgumentException(name + ": " + data.length + " data bytes for " + Untrusted.clean(d)
                    + Arrays.toString(s) + (count > Long.MAX_VALUE / itemSize ? "" : " (needs " + count * itemSize + ")"));
        }
        return new NpyArray(name, d, f, s, data);
    }

    // Size from the descr's trailing digits ('<f4' -> 4); 0 when the form is unfamiliar.
    private static int itemSize(String descr) {
        if (descr.length() < 3 || "<>|=".indexOf(descr.charAt(0)) < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(descr.substring(2));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String describe(Object o) {
        return o == null ? "missing" : o.getClass().getSimpleName();
    }

    /** The subset of Python literals np.save writes: dict, str, True/False, tuple/list of ints or of those. */
    private static final class DictParser {
        private final String name;
        private static final int MAX_DEPTH = 16;
        private final String s;
        private int p;
        private int depth;

        DictParser(String name, String s) {
            this.name = name;
            this.s = s;
        }

        Map<String, Object> parse() {
            skip();
            expect('{');
            Map<String, Object> out = new HashMap<>();
            skip();
            while (peek() != '}') {
                Object key = value();
                if (!(key instanceof String k)) {
                    throw error("dict key is not a string");
                }
                skip();
                expect(':');
                out.put(k, value());
                skip();
                if (peek() == ',') {
                    p++;
                    skip();
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
            return out;
        }

        private Object value() {
            skip();
            char c = peek();
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, p + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String v = s.substring(p + 1, end);
                p = end + 1;
                return v;
            }
            if (s.startsWith("True", p)) {
                p += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", p)) {
                p += 5;
                return Boolean.FALSE;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                if (++depth > MAX_DEPTH) { // np.save nests two deep; a hostile header could overflow the stack
                    throw error("tuples nested more than " + MAX_DEPTH + " deep");
                }
                p++;
                List<Object> items = new ArrayList<>();
                skip();
                while (peek() != close) {
                    items.add(value());
                    skip();
                    if (peek() == ',') {
                        p++;
                        skip();
                    } else if (peek() != close) {
                        throw error("expected ',' or '" + close + "'");
                    }
                }
                p++;
                depth--;
                boolean allInts = items.stream().allMatch(Long.class::isInstance);
                return allInts ? items.stream().mapToLong(Long.class::cast).toArray() : items;
            }
            if (Character.isDigit(c)) {
                int start = p;
                while (p < s.length() && Character.isDigit(s.charAt(p))) {
                    p++;
                }
                // Python 2 era files may write 'L' after long ints.
                long v;
                try {
                    v = Long.parseLong(s.substring(start, p));
                } catch (NumberFormatException e) {
                    throw error("integer " + Untrusted.clean(s.substring(start, p)) + " does not fit 64 bits");
                }
                if (p < s.length() && s.charAt(p) == 'L') {
                    p++;
                }
                return v;
            }
            throw error("unexpected '" + Untrusted.clean(String.valueOf(c)) + "'");
        }

        private char peek() {
            if (p >= s.length()) {
                throw error("header ends early");
            }
            return s.charAt(p);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            p++;
        }

        private void skip() {
            while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
                p++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(name + ": bad .npy header (" + what + " at " + p + "): "
                    + Untrusted.quote(s.strip()));
        }
    }
}
