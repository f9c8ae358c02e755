package io.paligemma.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Streams a safetensors file: the header (compact JSON, {@code __metadata__} first, space-padded to a
 * multiple of 8 bytes) is written up front from the specs, then each tensor's bytes in spec order, so
 * no more than one chunk of data is ever buffered. The data is copied byte for byte: the caller
 * provides little-endian element bytes. The file appears under its name only when {@link #close()}
 * finds every tensor written; until then it is a temporary sibling, deleted on failure.
 */
public final class SafetensorsWriter implements AutoCloseable {

    private static final int CHUNK = 8 << 20;

    private final Path file;
    private final Path temporary;
    private final List<TensorSpec> specs;
    private final long[] byteSizes;     // per spec
    private final FileChannel channel;
    private int next;                   // index of the next spec to write
    private boolean failed;
    private boolean closed;
    private ByteBuffer bounce;          // for segments that cannot be viewed as a ByteBuffer

    public SafetensorsWriter(Path file, Map<String, String> metadata, List<TensorSpec> specs) {
        this.file = file;
        this.specs = List.copyOf(specs);
        this.byteSizes = byteSizes(file, this.specs);
        byte[] header = header(file, metadata, this.specs, byteSizes);
        Path name = file.getFileName();
        this.temporary = file.resolveSibling("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".partial");
        try {
            this.channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot create " + temporary.getFileName() + ": " + e, e);
        }
        try {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(length);
            writeFully(ByteBuffer.wrap(header));
        } catch (IOException e) {
            abandon();
            throw new SafetensorsException(file + ": cannot write header: " + e, e);
        }
    }

    private static long[] byteSizes(Path file, List<TensorSpec> specs) {
        long[] sizes = new long[specs.size()];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < sizes.length; i++) {
            TensorSpec s = specs.get(i);
            if (s.name().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new SafetensorsException(file + ": tensor name '" + s.name() + "' is reserved");
            }
            if (!seen.add(s.name())) {
                throw new SafetensorsException(file + ": tensor '" + s.name() + "' is specified twice");
            }
            try {
                long n = s.dtype().size;
                for (long d : s.shape()) {
                    n = Math.multiplyExact(n, d);
                }
                sizes[i] = n;
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file + ": tensor '" + s.name() + "': shape "
                        + Arrays.toString(s.shape()) + " overflows a 64-bit byte count");
            }
        }
        return sizes;
    }

    /** The padded header JSON; package-private so that long offsets can be tested without writing gigabytes. */
    static byte[] header(Path file, Map<String, String> metadata, List<TensorSpec> specs, long[] byteSizes) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach((key, value) -> {
                if (key == null || value == null) {
                    throw new SafetensorsException(file + ": metadata entry " + key + "=" + value + " has a null");
                }
                meta.put(key, value);
            });
        }
        long offset = 0;
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec s = specs.get(i);
            ObjectNode entry = root.putObject(s.name());
            entry.put("dtype", s.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : s.shape()) {
                shape.add(d);
            }
            long end;
            try {
                end = Math.addExact(offset, byteSizes[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file + ": tensor '" + s.name() + "': data section exceeds 2^63 bytes");
            }
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file + ": cannot encode header: " + e.getOriginalMessage(), e);
        }
        int padded = (json.length + 7) & ~7;
        if (json.length > SafetensorsHeader.MAX_HEADER_BYTES || padded > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new SafetensorsException(file + ": header of " + json.length + " bytes exceeds the limit of "
                    + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
        }
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    /** Writes the bytes of tensor {@code name}, which must be the next spec, with exactly its byte size. */
    public void write(String name, MemorySegment data) {
        if (closed) {
            throw new SafetensorsException(file + ": writer is closed (writing tensor '" + name + "')");
        }
        if (failed) {
            throw new SafetensorsException(file + ": an earlier write failed (writing tensor '" + name + "')");
        }
        if (next == specs.size()) {
            throw new SafetensorsException(file + ": tensor '" + name + "': all " + specs.size()
                    + " tensors are already written");
        }
        TensorSpec spec = specs.get(next);
        if (!spec.name().equals(name)) {
            throw new SafetensorsException(file + ": tensor '" + name + "' written out of order: expected '"
                    + spec.name() + "' next");
        }
        if (data.byteSize() != byteSizes[next]) {
            throw new SafetensorsException(file + ": tensor '" + name + "': " + data.byteSize() + " bytes given, "
                    + spec.dtype() + Arrays.toString(spec.shape()) + " needs " + byteSizes[next]);
        }
        try {
            for (long off = 0; off < data.byteSize(); off += CHUNK) {
                MemorySegment chunk = data.asSlice(off, Math.min(CHUNK, data.byteSize() - off));
                writeFully(asBuffer(chunk));
            }
        } catch (IOException e) {
            failed = true;
            throw new SafetensorsException(file + ": tensor '" + name + "': write failed: " + e, e);
        }
        next++;
    }

    /** A ByteBuffer over the chunk; heap segments of non-byte arrays have none, so they are copied. */
    private ByteBuffer asBuffer(MemorySegment chunk) {
        if (chunk.isNative() || chunk.heapBase().map(b -> b instanceof byte[]).orElse(false)) {
            return chunk.asByteBuffer();
        }
        if (bounce == null) {
            bounce = ByteBuffer.allocate(CHUNK);
        }
        bounce.clear().limit((int) chunk.byteSize());
        MemorySegment.copy(chunk, ValueLayout.JAVA_BYTE, 0, MemorySegment.ofBuffer(bounce), ValueLayout.JAVA_BYTE, 0,
                chunk.byteSize());
        return bounce;
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Publishes the file when every tensor was written; otherwise deletes it and throws. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (failed || next < specs.size()) {
            abandon();
            if (!failed) {
                throw new SafetensorsException(file + ": closed after " + next + " of " + specs.size()
                        + " tensors; tensor '" + specs.get(next).name() + "' was never written, file not created");
            }
            return;
        }
        try {
            channel.close();
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            abandon();
            throw new SafetensorsException(file + ": cannot finish writing: " + e, e);
        }
    }

    private void abandon() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted below anyway
        }
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // nothing better to do: the original error is what the caller needs to see
        }
    }
}
