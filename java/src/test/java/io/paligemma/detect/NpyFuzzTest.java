package io.paligemma.detect;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma.fuzz.Clear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the numpy readers behind {@code --seg-weights}: one {@code .npy} (magic, version, header length,
 * the Python dict literal, the data size) and a {@code .npz} archive of them (zip directory, stored and
 * deflated entries). An array either parses, and then converts to floats of its own shape or says why not,
 * or fails with an {@link IllegalArgumentException} (a bad array) or {@link IOException} (a bad archive)
 * whose one-line message names it. Seeds: {@code NpyFuzzTestInputs/<target>}, arrays of the fixture .npz.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NpyFuzzTest {

    private static final Path NPZ = Clear.scratchDirectory("pg-fuzz-npz-").resolve("fuzz.npz");

    @FuzzTest
    void npy(byte[] input) {
        String name = "fuzz.npy";
        try {
            floats(NpyReader.parse(name, input));
        } catch (IllegalArgumentException e) {
            Clear.message(e, name);
        }
    }

    @FuzzTest
    void npz(byte[] input) {
        Clear.write(NPZ, input);
        try (NpzReader npz = NpzReader.open(NPZ)) {
            for (String name : npz.names().stream().limit(8).toList()) {
                floats(npz.array(name));
            }
        } catch (IOException | IllegalArgumentException e) {
            Clear.message(e, NPZ.getFileName().toString());
        }
    }

    /** The array as floats of its own shape, or a clear refusal (wrong dtype, order or size). */
    private static void floats(NpyArray a) {
        try {
            float[] f = a.toFloats(a.shape());
            if (f.length != a.elementCount()) {
                throw new AssertionError(f.length + " floats for " + a);
            }
        } catch (IllegalArgumentException e) {
            Clear.message(e, a.name());
        }
    }
}
