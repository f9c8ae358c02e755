package io.paligemma.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What the fuzz targets hold every parser to: on hostile input it may only fail with its own exception type
 * and a message a person can read, one line that names the input. Anything else (an unchecked exception of
 * the JDK, an Error such as OutOfMemoryError or StackOverflowError, a hang) escapes the target and is a
 * finding for the fuzzer.
 */
public final class Clear {

    private Clear() {
    }

    /**
     * Rethrows {@code e} (wrapped, so the fuzzer reports it) unless its message is one non-blank line that
     * contains {@code name}.
     */
    public static void message(Throwable e, String name) {
        String m = e.getMessage();
        if (m == null || m.isBlank() || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0 || !m.contains(name)) {
            throw new AssertionError("not a clear one-line message naming '" + name + "': " + e, e);
        }
    }

    /** A directory for the files a target writes; removed when the JVM exits. */
    public static Path scratchDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to {@code file}, replacing it. */
    public static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
