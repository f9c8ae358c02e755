package io.paligemma.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed seed corpus is what {@link SeedCorpus} builds from the fixtures today (so it cannot drift
 * from them unnoticed), plus only kept findings ({@code crash-}, {@code timeout-} files of fuzzing runs), and
 * every fuzz target has seeds.
 */
class SeedCorpusTest {

    @Test
    void committedSeedsAreTheFixturesSeeds() throws Exception {
        Map<String, byte[]> built = SeedCorpus.all();
        Path root = SeedCorpus.RESOURCES;
        Set<String> committed = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root.resolve("io/paligemma"))) {
            files.filter(Files::isRegularFile).filter(f -> f.toString().contains("FuzzTestInputs"))
                    .map(f -> root.relativize(f).toString().replace('\\', '/'))
                    .filter(f -> !f.substring(f.lastIndexOf('/') + 1).matches("(crash|timeout|oom|slow-unit)-[0-9a-f]+"))
                    .forEach(committed::add);
        }
        assertEquals(new TreeSet<>(built.keySet()), committed, "seed files");
        for (Map.Entry<String, byte[]> e : built.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(root.resolve(e.getKey())), e.getKey());
        }
        for (String target : FuzzMain.targets().keySet()) {
            String method = target.substring(target.indexOf('.') + 1);
            assertTrue(built.keySet().stream().anyMatch(k -> k.contains("Inputs/" + method + "/")), "seeds of " + target);
        }
    }
}
