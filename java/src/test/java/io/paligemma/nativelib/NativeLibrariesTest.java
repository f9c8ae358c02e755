package io.paligemma.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.paligemma.bindings.cblas_h;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibrariesTest {

    @Test
    void openBlasIdleThreadsSpinBrieflyUnlessTheUserChose() {
        String before = System.getenv("OPENBLAS_THREAD_TIMEOUT"); // the JVM's snapshot of the start environment
        NativeLibraries.Loaded lib = NativeLibraries.load();
        String now = NativeLibraries.cEnvironment("OPENBLAS_THREAD_TIMEOUT");
        assertEquals(before != null ? before : NativeLibraries.OPENBLAS_THREAD_TIMEOUT, now);
        assertTrue(lib.openBlas().getFileName().toString().startsWith("libopenblas"));
        assertTrue(cblas_h.openblas_get_num_threads() >= 1);
    }

    @Test
    void cEnvironmentReadsTheProcessEnvironment() {
        assertEquals(System.getenv("PATH"), NativeLibraries.cEnvironment("PATH"));
        assertNull(NativeLibraries.cEnvironment("PALIGEMMA_SURELY_UNSET_VARIABLE_42"));
    }

    /** The extraction directory's key follows the library's bytes, not its time stamp or its container. */
    @Test
    void cacheKeyFollowsTheBytesOnly(@TempDir Path tmp) throws Exception {
        byte[] lib = new byte[300_000];
        new java.util.Random(7).nextBytes(lib);
        Path file = Files.write(tmp.resolve("libx.so"), lib);
        String key = NativeLibraries.contentKey("libx.so", file.toUri().toURL());
        assertEquals(16, key.length());

        Files.setLastModifiedTime(file, FileTime.fromMillis(86_400_000L)); // a rebuild of the same bytes
        assertEquals(key, NativeLibraries.contentKey("libx.so", file.toUri().toURL()));

        Path jar = tmp.resolve("x.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            JarEntry e = new JarEntry("native/libx.so");
            e.setTime(0);
            out.putNextEntry(e);
            out.write(lib);
            out.closeEntry();
        }
        URL inJar = URI.create("jar:" + jar.toUri() + "!/native/libx.so").toURL();
        assertEquals(key, NativeLibraries.contentKey("libx.so", inJar), "same bytes inside a jar");

        lib[123_456] ^= 1;
        Files.write(file, lib);
        assertNotEquals(key, NativeLibraries.contentKey("libx.so", file.toUri().toURL()), "one bit changed");
        assertNotEquals(key, NativeLibraries.contentKey("liby.so", inJar), "another library name");
    }
}
