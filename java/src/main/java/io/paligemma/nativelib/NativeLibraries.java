package io.paligemma.nativelib;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;

/**
 * Finds the kernels library and OpenBLAS inside the jar (or on the class path), extracts them into a
 * private cache directory and dlopens them through {@link SymbolLookup#libraryLookup(Path, Arena)}.
 *
 * <p>The jextract-shaped bindings look their libraries up by soname ({@code libpg_kernels.so},
 * {@code libopenblas.so.0}); glibc's dlopen returns an object already loaded under that soname, so
 * loading the absolute paths here first is what makes the bindings resolve. Call {@link #load()}
 * before touching any binding class.
 */
public final class NativeLibraries {

    /** Where the libraries came from, for {@code paligemma info}. */
    public record Loaded(Path kernels, Path openBlas, Path directory) {
    }

    static final String PLATFORM = "linux-x86_64";
    private static final String KERNELS_RESOURCE = "native/" + PLATFORM + "/libpg_kernels.so";
    private static final String OPENBLAS_DIR = "org/bytedeco/openblas/" + PLATFORM + "/";
    private static final String OPENBLAS = "libopenblas.so.0";
    private static final String GFORTRAN = "libgfortran.so.5";
    /** Runtime libraries of libgfortran: the system's copies win, the jar's are the fallback. */
    private static final String[] SYSTEM_FIRST = {"libgcc_s.so.1", "libquadmath.so.0"};

    // Kept for the life of the class loader: the loaded libraries must never be unloaded while bindings hold addresses.
    private static final Arena LIBRARY_ARENA = Arena.ofAuto();
    private static Loaded loaded;
    private static NativeLoadException failure;

    private NativeLibraries() {
    }

    /** Extracts and loads both libraries once; later calls return the same result or rethrow the same failure. */
    public static synchronized Loaded load() {
        if (loaded != null) {
            return loaded;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            loaded = doLoad();
            return loaded;
        } catch (NativeLoadException e) {
            failure = e;
            throw e;
        }
    }

    private static Loaded doLoad() {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new NativeLoadException("the native backend is built for " + PLATFORM + " only; this JVM runs on "
                    + os + "/" + arch + ": use --backend java");
        }
        Path dir = cacheDirectory();
        Path openBlasDir = dir.resolve("openblas-" + resourceDigest(OPENBLAS_DIR + OPENBLAS));
        for (String lib : SYSTEM_FIRST) {
            try {
                SymbolLookup.libraryLookup(lib, LIBRARY_ARENA);
            } catch (IllegalArgumentException notOnSystem) {
                dlopen(extract(OPENBLAS_DIR + lib, openBlasDir.resolve(lib)));
            }
        }
        dlopen(extract(OPENBLAS_DIR + GFORTRAN, openBlasDir.resolve(GFORTRAN)));
        shortenOpenBlasSpin();
        Path openBlas = dlopen(extract(OPENBLAS_DIR + OPENBLAS, openBlasDir.resolve(OPENBLAS)));
        Path kernelsDir = dir.resolve("kernels-" + resourceDigest(KERNELS_RESOURCE));
        Path kernels = dlopen(extract(KERNELS_RESOURCE, kernelsDir.resolve("libpg_kernels.so")));
        return new Loaded(kernels, openBlas, dir);
    }

    /** The shortest spin OpenBLAS allows (2^4 cycles), unless the user chose one. */
    static final String OPENBLAS_THREAD_TIMEOUT = "4";

    /**
     * OpenBLAS's idle threads spin (with sched_yield) for 2^28 cycles, ~70 ms, after every threaded call;
     * meanwhile they take half a core from our own compute threads, which run the bf16 GEMM and every other
     * kernel between two sgemm calls. With the shortest spin, PaliGemma-3B bf16 prefill went from 7.1-7.3 s
     * to 6.3 s and SigLIP from 2.1-2.3 s to 1.2-1.3 s (`paligemma profile`, 2 threads); f32 prefill did not
     * lose (6.6 s vs 7.0 s). OpenBLAS reads the variable once, when it loads, so it is set in this process's
     * C environment just before the dlopen.
     */
    private static void shortenOpenBlasSpin() {
        if (cEnvironment("OPENBLAS_THREAD_TIMEOUT") != null) {
            return; // the user's setting wins
        }
        Linker linker = Linker.nativeLinker();
        var setenv = linker.defaultLookup().find("setenv");
        if (setenv.isEmpty()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom("OPENBLAS_THREAD_TIMEOUT");
            int rc = (int) linker.downcallHandle(setenv.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT))
                    .invokeExact(name, arena.allocateFrom(OPENBLAS_THREAD_TIMEOUT), 0);
            if (rc != 0) {
                throw new NativeLoadException("setenv(OPENBLAS_THREAD_TIMEOUT) failed");
            }
        } catch (NativeLoadException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeLoadException("cannot set OPENBLAS_THREAD_TIMEOUT: " + t, t);
        }
    }

    /**
     * A variable of this process's C environment (what native libraries see; {@link System#getenv} is a
     * snapshot taken at JVM start), or null when unset.
     */
    public static String cEnvironment(String variable) {
        Linker linker = Linker.nativeLinker();
        var getenv = linker.defaultLookup().find("getenv");
        if (getenv.isEmpty()) {
            return System.getenv(variable);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = (MemorySegment) linker.downcallHandle(getenv.get(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS)).invokeExact(arena.allocateFrom(variable));
            return value.equals(MemorySegment.NULL) ? null : value.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException("getenv(" + variable + ") failed", t);
        }
    }

    /** $PALIGEMMA_CACHE, else $XDG_CACHE_HOME/paligemma-ffm, else ~/.cache/paligemma-ffm, else the temp directory. */
    static Path cacheDirectory() {
        String env = System.getenv("PALIGEMMA_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env).resolve("native");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home", System.getProperty("java.io.tmpdir")), ".cache");
        Path dir = base.resolve("paligemma-ffm").resolve("native");
        try {
            Files.createDirectories(dir);
            if (Files.isWritable(dir)) {
                return dir;
            }
        } catch (IOException ignored) {
            // fall through to the temp directory
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "paligemma-ffm-" + System.getProperty("user.name"), "native");
    }

    private static Path dlopen(Path file) {
        try {
            SymbolLookup.libraryLookup(file, LIBRARY_ARENA);
            return file;
        } catch (IllegalArgumentException e) {
            throw new NativeLoadException("cannot load " + file + ": " + e.getMessage()
                    + " (delete the cache directory " + file.getParent() + " to extract it again)", e);
        }
    }

    /** Copies a class-path resource to {@code target} unless an identical copy is already there. */
    private static Path extract(String resource, Path target) {
        try {
            if (Files.isRegularFile(target) && Files.size(target) > 0) {
                return target; // the directory name already encodes the resource's identity
            }
            byte[] bytes = readResourceOrExplain(resource);
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new NativeLoadException("cannot extract " + resource + " to " + target + ": " + e, e);
        }
    }

    private static byte[] readResourceOrExplain(String resource) throws IOException {
        try (InputStream in = NativeLibraries.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw missing(resource);
            }
            return in.readAllBytes();
        }
    }

    private static NativeLoadException missing(String resource) {
        return new NativeLoadException("the native library " + resource + " is not on the class path: "
                + (resource.startsWith("native/")
                ? "build the project with ./mvnw package (CMake builds native/ into the jar)"
                : "add org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64 to the class path"));
    }

    /**
     * A short key from the resource's name, size and CRC-32, so a rebuilt library never reuses a stale
     * extracted copy while an unchanged one always reuses its directory. The key used to include the
     * entry's time stamp, which every repackaging of the jar changes: each build extracted another
     * 39 MB OpenBLAS (a developer's cache here had grown to 1.9 GB).
     */
    private static String resourceDigest(String resource) {
        URL url = NativeLibraries.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw missing(resource);
        }
        try {
            return contentKey(resource, url);
        } catch (IOException e) {
            throw new NativeLoadException("cannot read " + resource + ": " + e, e);
        }
    }

    /**
     * name | size | CRC-32 of the bytes at url, hashed to 16 hex digits. Inside a jar the size and CRC come
     * from the jar's directory (no 37 MB inflated on every start); elsewhere the bytes are read once.
     */
    static String contentKey(String name, URL url) throws IOException {
        URLConnection c = url.openConnection();
        c.setUseCaches(false);
        long size = -1;
        long crc = -1;
        if (c instanceof JarURLConnection jar) {
            // uncached, so the connection opened a JarFile of its own: close it rather than leave it to the GC
            try (JarFile file = jar.getJarFile()) {
                JarEntry e = file.getJarEntry(jar.getEntryName());
                if (e != null) {
                    size = e.getSize();
                    crc = e.getCrc();
                }
            }
        }
        if (size < 0 || crc < 0) {
            CRC32 sum = new CRC32();
            size = 0;
            URLConnection read = c instanceof JarURLConnection ? url.openConnection() : c; // the jar's JarFile is closed
            read.setUseCaches(false);
            try (InputStream in = read.getInputStream()) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sum.update(buf, 0, n);
                    size += n;
                }
            }
            crc = sum.getValue();
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] key = (name + "|" + size + "|" + crc).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(sha.digest(key), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
