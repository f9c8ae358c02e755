package io.paligemma.safetensors;

import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One memory-mapped safetensors file. The whole header is validated in {@link #open}, so every
 * {@link Tensor} handed out is a correctly sized slice of the mapping. Tensors are views: they are
 * valid until {@link #close()}. Tensor data is not necessarily aligned to its element size (the format
 * does not require it), so readers should use unaligned value layouts.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;                  // owns the mapping
    private final Map<String, String> metadata;
    private final Map<String, Tensor> tensors;  // data-offset order
    private final List<String> names;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final FileState mapped; // the file as it was when mapped; null for a copy, which no file change can reach

    private SafetensorsFile(Path path, Arena arena, Map<String, String> metadata, Map<String, Tensor> tensors,
                            boolean copied) {
        this.path = path;
        this.arena = arena;
        this.metadata = metadata;
        this.tensors = tensors;
        this.names = List.copyOf(tensors.keySet());
        this.mapped = copied ? null : FileState.of(path);
    }

    /** Size, modification time and identity (inode) of a file; null fields where the file system has none. */
    private record FileState(long size, FileTime modified, Object key) {
        static FileState of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileState(a.size(), a.lastModifiedTime(), a.fileKey());
            } catch (IOException e) {
                return null;
            }
        }
    }

    /**
     * Throws when the file is no longer the one that was mapped: resized, rewritten (a new modification
     * time), replaced (a new inode) or gone. Reading a mapping whose file was truncated underneath kills the
     * JVM with SIGBUS, so callers check before each request: another process rewriting a checkpoint in
     * place is refused with this message instead. (A change during a request cannot be caught this way;
     * {@code --load copy}-style anonymous copies would be the cure and are not written yet.)
     */
    public void checkUnchanged() {
        if (mapped == null) {
            return; // a copy: the file may change or go, the weights stay
        }
        FileState now = FileState.of(path);
        if (now == null) {
            throw new SafetensorsException(path + ": was removed or can no longer be read since it was loaded: reload the model");
        }
        if (mapped != null && !now.equals(mapped)) {
            throw new SafetensorsException(path + ": changed on disk since it was loaded (size " + mapped.size() + " -> "
                    + now.size() + " bytes, modified " + mapped.modified() + " -> " + now.modified()
                    + "): its weights are no longer the ones mapped, and reading a truncated mapping would crash the JVM; "
                    + "reload the model");
        }
    }

    /** Maps {@code file} read-only and validates its header; throws {@link SafetensorsException} naming the file. */
    public static SafetensorsFile open(Path file) {
        return open(file, false);
    }

    /**
     * The same, but with {@code copy} the whole file is read into memory this object owns instead of mapped
     * ({@code --load copy}, like llama.cpp's --no-mmap): slower to load and resident in anonymous memory,
     * but immune to another process rewriting the file.
     */
    public static SafetensorsFile open(Path file, boolean copy) {
        if (!Files.isRegularFile(file)) {
            throw new SafetensorsException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new SafetensorsException(file + ": truncated: " + fileSize
                        + " bytes, shorter than the 8-byte header length");
            }
            long headerSize = readFully(channel, ByteBuffer.allocate(8), 0).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            // headerSize is unsigned in the format: a negative long is a length >= 2^63
            if (headerSize < 0 || headerSize > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new SafetensorsException(file + ": header length " + Long.toUnsignedString(headerSize)
                        + " exceeds the limit of " + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
            }
            if (headerSize > fileSize - 8) {
                throw new SafetensorsException(file + ": header length " + headerSize + " is beyond the end of the file ("
                        + fileSize + " bytes, truncated?)");
            }
            byte[] headerBytes = readFully(channel, ByteBuffer.allocate((int) headerSize), 8).array();
            long dataStart = 8 + headerSize;
            SafetensorsHeader header = SafetensorsHeader.parse(file, headerBytes, fileSize - dataStart);

            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapping = copy ? readAll(channel, fileSize, arena)
                        : channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (SafetensorsHeader.Entry e : header.entries) {
                    MemorySegment data = mapping.asSlice(dataStart + e.begin(), e.end() - e.begin());
                    tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(), data));
                }
                return new SafetensorsFile(file, arena, header.metadata, Collections.unmodifiableMap(tensors), copy);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot read: " + e, e);
        }
    }

    /** The whole file read into a new segment of {@code arena}, in pieces a ByteBuffer can address. */
    private static MemorySegment readAll(FileChannel channel, long size, Arena arena) throws IOException {
        MemorySegment all = arena.allocate(size, 64);
        for (long off = 0; off < size; off += 1L << 30) {
            readFully(channel, all.asSlice(off, Math.min(1L << 30, size - off)).asByteBuffer(), off);
        }
        if (channel.size() != size) {
            throw new IOException("the file changed size while it was read (" + size + " -> " + channel.size() + " bytes)");
        }
        return all;
    }

    private static ByteBuffer readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer;
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} entry (string to string), empty when the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in data-offset order. */
    public List<String> names() {
        return names;
    }

    /** The tensor {@code name}; throws naming the file and the tensor when it is absent. */
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new SafetensorsException(path + ": no tensor '" + name + "'"));
    }

    public Optional<Tensor> find(String name) {
        if (closed.get()) {
            throw new SafetensorsException(path + ": file is closed (looking up tensor '" + name + "')");
        }
        return Optional.ofNullable(tensors.get(name));
    }

    /** Unmaps the file; every tensor of it becomes invalid. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + names.size() + " tensors]";
    }
}
