package io.paligemma.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Broken and malicious files: each must fail with a SafetensorsException naming the file and the problem. */
class HostileFilesTest {

    @TempDir
    Path dir;

    private int counter;

    /** A file with the given raw header length field, header bytes and data bytes. */
    Path raw(long headerLength, byte[] header, int dataBytes) throws IOException {
        Path file = dir.resolve("f" + counter++ + ".safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        Files.write(file, b.array());
        return file;
    }

    Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(h.length, h, dataBytes);
    }

    /** Opens the file expecting failure; the message must name the file and contain every fragment. */
    static SafetensorsException rejects(Path file, String... fragments) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void truncatedBelowEightBytes() throws IOException {
        for (int n = 0; n < 8; n++) {
            Path file = dir.resolve("short" + n + ".safetensors");
            Files.write(file, new byte[n]);
            rejects(file, "truncated", n + " bytes");
        }
    }

    @Test
    void hugeHeaderLengthsAreRefusedWithoutAllocating() throws IOException {
        rejects(raw(1L << 62, new byte[0], 0), "header length 4611686018427387904", "limit");
        rejects(raw(-1L, new byte[0], 0), "header length 18446744073709551615", "limit");
        rejects(raw(SafetensorsHeader.MAX_HEADER_BYTES + 1, new byte[0], 0), "header length 100000001", "limit");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        rejects(raw(100, "{}".getBytes(StandardCharsets.UTF_8), 10), "header length 100", "beyond the end", "20 bytes");
    }

    @Test
    void invalidUtf8() throws IOException {
        byte[][] bad = {
                {'{', '"', 'a', (byte) 0xFF, '"', ':', '{', '}', '}'},          // invalid byte
                {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '{', '}', '}'},  // overlong '/'
                {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '{', '}', '}'},  // UTF-16 surrogate
                {'{', '"', (byte) 0xE2, (byte) 0x82, '"', ':', '{', '}', '}'},  // truncated sequence
        };
        for (byte[] header : bad) {
            rejects(raw(header.length, header, 0), "not valid UTF-8");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\":                      | not valid JSON",
            "{'a': 1}                     | not valid JSON",
            "{\"a\":{}} trailing          | not valid JSON",
            "{\"a\":{},\"a\":{}}          | not valid JSON",
            "[1, 2]                       | not a JSON object (found array)",
            "\"text\"                     | not a JSON object (found string)",
            "42                           | not a JSON object (found number)",
            "null                         | not a JSON object",
    })
    void badJson(String header, String fragment) throws IOException {
        rejects(file(header.strip(), 0), fragment);
    }

    @Test
    void emptyOrBlankHeader() throws IOException {
        rejects(file("", 0), "not a JSON object (found nothing)");
        rejects(file("        ", 0), "not a JSON object (found nothing)");
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() throws IOException {
        String deep = "[".repeat(200_000);
        rejects(file("{\"a\":" + deep, 0), "not valid JSON");
    }

    /** Long names and strings are fine as long as the header is under its cap. */
    @Test
    void longNamesAndMetadataValues() throws IOException {
        String name = "n".repeat(200_000);
        String value = "v".repeat(30_000_000);
        Path file = file("{\"__metadata__\":{\"big\":\"" + value + "\"},\"" + name
                + "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of(name), f.names());
            assertEquals(value.length(), f.metadata().get("big").length());
        }
    }

    @Test
    void badMetadata() throws IOException {
        rejects(file("{\"__metadata__\":[1]}", 0), "__metadata__ is not a JSON object");
        rejects(file("{\"__metadata__\":{\"format\":1}}", 0), "__metadata__ value of 'format' is not a string");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "5                                                            | entry is not a JSON object",
            "{\"shape\":[2],\"data_offsets\":[0,8]}                       | missing dtype",
            "{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}           | dtype is not a string",
            "{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,8]}      | unknown dtype 'F4'",
            "{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}     | unknown dtype 'f32'",
            "{\"dtype\":\"F32\",\"data_offsets\":[0,8]}                   | missing shape",
            "{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}       | shape is not an array",
            "{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}   | shape element 0 (2.0) is not a 64-bit integer",
            "{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}  | shape element 0",
            "{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]} | is not a 64-bit integer",
            "{\"dtype\":\"F32\",\"shape\":[2]}                            | missing data_offsets",
            "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}       | data_offsets has 1 elements, expected 2",
            "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{}}        | data_offsets is not an array",
            "{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}    | negative dimension in shape [-2]",
            "{\"dtype\":\"F32\",\"shape\":[2,-1,0],\"data_offsets\":[0,0]} | negative dimension",
            "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]} | overflows",
            "{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,8]} | overflows",
            "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}     | end < begin",
            "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}    | negative data_offsets",
            "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}    | out of range: the data section has only 8 bytes",
            "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}    | out of range",
            "{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}     | span 8 bytes, but F32[3] needs 12 bytes",
            "{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,8]}    | span 8 bytes, but BF16[2] needs 4 bytes",
    })
    void badEntries(String entry, String fragment) throws IOException {
        Path file = file("{\"__metadata__\":{\"format\":\"pt\"},\"my.tensor\":" + entry.strip() + "}", 8);
        rejects(file, "tensor 'my.tensor'", fragment);
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        rejects(file(header, 12), "'b'", "overlap", "'a'");
        String nested = "{\"outer\":{\"dtype\":\"U8\",\"shape\":[12],\"data_offsets\":[0,12]},"
                + "\"inner\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}";
        rejects(file(nested, 12), "'inner'", "overlap", "'outer'");
        String same = "{\"x\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        rejects(file(same, 4), "overlap");
    }

    @Test
    void truncatedData() throws IOException {
        Path good = dir.resolve("good.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(good, Map.of(), List.of(
                new TensorSpec("first", DType.F32, new long[] {4}), new TensorSpec("last", DType.I64, new long[] {3})))) {
            w.write("first", MemorySegment.ofArray(new float[4]));
            w.write("last", MemorySegment.ofArray(new long[3]));
        }
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        rejects(cut, "tensor 'last'", "out of range", "truncated");
    }

    @Test
    void zeroElementTensorsAreLegalAnywhere() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"none\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[4,4]},"
                + "\"end\":{\"dtype\":\"BF16\",\"shape\":[3,0],\"data_offsets\":[8,8]}}";
        try (SafetensorsFile f = SafetensorsFile.open(file(header, 8))) {
            assertEquals(List.of("a", "none", "end"), f.names(), "data-offset order");
            assertEquals(0, f.tensor("none").data().byteSize());
            assertEquals(0, f.tensor("end").elementCount());
        }
    }

    @Test
    void missingTensorAndNonFiles() throws IOException {
        Path file = file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.tensor("b"));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'b'"), e.getMessage());
            assertTrue(f.find("b").isEmpty());
        }
        rejects(dir.resolve("absent.safetensors"), "no such file");
        Path sub = Files.createDirectory(dir.resolve("sub.safetensors"));
        rejects(sub, "not a regular file");
    }

    /**
     * Random corruption of a valid file (header bytes, length field, truncation): opening either fails
     * with SafetensorsException or yields tensors whose bytes are all readable. Nothing else may happen.
     */
    @Test
    void fuzzedFilesFailCleanly() throws IOException {
        Path good = dir.resolve("seed.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(good, Map.of("format", "pt"), List.of(
                new TensorSpec("w", DType.F32, new long[] {3, 2}), new TensorSpec("m", DType.U8, new long[] {5}),
                new TensorSpec("e", DType.I64, new long[] {0}), new TensorSpec("b", DType.BF16, new long[] {4})))) {
            w.write("w", MemorySegment.ofArray(new float[6]));
            w.write("m", MemorySegment.ofArray(new byte[5]));
            w.write("e", MemorySegment.ofArray(new byte[0]));
            w.write("b", MemorySegment.ofArray(new short[4]));
        }
        byte[] original = Files.readAllBytes(good);
        Random random = new Random(12345);
        Path target = dir.resolve("fuzz.safetensors");
        int opened = 0;
        byte[] alphabet = "{}[]\",:0123456789-.eE \u00ff_FUIB".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 1500; round++) {
            byte[] bytes = original.clone();
            int kind = random.nextInt(4);
            if (kind == 0) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            } else if (kind == 1) {
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, random.nextLong(-64, original.length + 64));
            } else {
                int edits = 1 + random.nextInt(4);
                for (int i = 0; i < edits; i++) {
                    int at = 8 + random.nextInt(Math.min(bytes.length - 8, 240));
                    bytes[at] = kind == 2 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
                }
            }
            Files.write(target, bytes);
            try (SafetensorsFile f = SafetensorsFile.open(target)) {
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    long sum = 0;
                    for (long i = 0; i < t.data().byteSize(); i++) {
                        sum += t.data().get(ValueLayout.JAVA_BYTE, i);
                    }
                    assertTrue(sum >= Long.MIN_VALUE);
                }
                opened++;
            } catch (SafetensorsException e) {
                assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("round " + round + ": " + e, e);
            }
        }
        assertTrue(opened > 0 && opened < 1500, "some mutations survive, most do not: " + opened);
    }
}
