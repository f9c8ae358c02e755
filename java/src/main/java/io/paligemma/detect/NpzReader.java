package io.paligemma.detect;

import io.paligemma.text.Untrusted;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a {@code .npz} archive ({@code np.savez} / {@code np.savez_compressed}: a zip of {@code <name>.npy},
 * stored or deflated). Arrays are parsed one by one on request, so entries a caller does not use (the VQ-VAE
 * encoder, say) are never read and may have any dtype.
 */
public final class NpzReader implements AutoCloseable {

    private static final String SUFFIX = ".npy";
    /**
     * The largest array read, 64 MiB: the VQ-VAE decoder's largest is 1 MiB (a 128→128 4×4 transposed conv);
     * a zip bomb inflates far past it and is refused without holding more than this.
     */
    static final int MAX_ENTRY_BYTES = 64 << 20;

    private final Path path;
    private final ZipFile zip;

    private NpzReader(Path path, ZipFile zip) {
        this.path = path;
        this.zip = zip;
    }

    public static NpzReader open(Path path) throws IOException {
        try {
            return new NpzReader(path, new ZipFile(path.toFile()));
        } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
            throw e;
        } catch (IOException e) {
            // ZipException, or an EOFException from a central directory that points past the end
            throw new IOException(path + ": not a .npz (zip) archive: " + (e.getMessage() == null ? e : e.getMessage()), e);
        }
    }

    /** Array names (entry names without ".npy"). */
    public Set<String> names() {
        Set<String> out = new TreeSet<>();
        zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith(SUFFIX))
                .forEach(n -> out.add(n.substring(0, n.length() - SUFFIX.length())));
        return out;
    }

    public boolean contains(String name) {
        return zip.getEntry(name + SUFFIX) != null;
    }

    /** The array {@code name}; throws naming the file when it is absent or not a valid .npy. */
    public NpyArray array(String name) throws IOException {
        ZipEntry e = zip.getEntry(name + SUFFIX);
        String where = path.getFileName() + ":" + Untrusted.clean(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no array '" + Untrusted.clean(name) + "' (has " + names().size()
                    + " others)");
        }
        // an entry is read whole: one that claims more than an int can hold, or inflates past it, is refused
        if (e.getSize() > MAX_ENTRY_BYTES) {
            throw new IOException(where + ": the entry is " + e.getSize() + " bytes, more than the "
                    + MAX_ENTRY_BYTES + " an array may have here");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
            bytes = in.readNBytes(MAX_ENTRY_BYTES + 1);
        } catch (IOException ex) {
            throw new IOException(where + ": corrupt .npz entry (" + ex + ")", ex);
        }
        if (bytes.length > MAX_ENTRY_BYTES) {
            throw new IOException(where + ": the entry inflates past " + MAX_ENTRY_BYTES + " bytes");
        }
        return NpyReader.parse(where, bytes);
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
