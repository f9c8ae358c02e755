package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuTopologyTest {

    /** A fake sysfs: cpu i sits on core coreOf[i] of package 0. */
    private static Path sysfs(Path dir, String online, int... coreOf) throws IOException {
        Files.writeString(dir.resolve("online"), online + "\n");
        for (int cpu = 0; cpu < coreOf.length; cpu++) {
            Path topo = Files.createDirectories(dir.resolve("cpu" + cpu).resolve("topology"));
            Files.writeString(topo.resolve("physical_package_id"), "0\n");
            Files.writeString(topo.resolve("core_id"), coreOf[cpu] + "\n");
        }
        return dir;
    }

    @Test
    void hyperthreadsCountOnce(@TempDir Path dir) throws IOException {
        Path sys = sysfs(dir, "0-7", 0, 1, 2, 3, 0, 1, 2, 3); // 4 cores x 2 threads, Linux numbering
        assertEquals(4, CpuTopology.physicalCores(sys, 8));
        assertEquals(2, CpuTopology.physicalCores(sys, 4)); // a JVM limited to 4 of the 8 CPUs
        assertEquals(1, CpuTopology.physicalCores(sys, 1));
    }

    @Test
    void withoutSmtEveryCpuIsACore(@TempDir Path dir) throws IOException {
        Path sys = sysfs(dir, "0-1", 0, 1);
        assertEquals(2, CpuTopology.physicalCores(sys, 2));
    }

    @Test
    void unreadableTopologyFallsBackToTheAvailableProcessors(@TempDir Path dir) throws IOException {
        assertEquals(3, CpuTopology.physicalCores(dir.resolve("missing"), 3));
        Files.writeString(dir.resolve("online"), "0-x\n");
        assertEquals(5, CpuTopology.physicalCores(dir, 5));
    }

    @Test
    void cpuListsParse() {
        assertEquals(Set.of(0, 1, 2, 3, 8, 10, 11), CpuTopology.parseList("0-3,8,10-11"));
        assertEquals(Set.of(), CpuTopology.parseList(""));
        assertThrows(IllegalArgumentException.class, () -> CpuTopology.parseList("3-1"));
    }

    @Test
    void thisMachineHasAtLeastOneCoreAndNoMoreThanItsCpus() {
        int cores = CpuTopology.physicalCores();
        assertTrue(cores >= 1 && cores <= Runtime.getRuntime().availableProcessors(), "cores " + cores);
    }
}
