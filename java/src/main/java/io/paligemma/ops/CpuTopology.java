package io.paligemma.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Physical cores, the default compute thread count. GEMM and GEMV kernels keep a core's FMA units or
 * its share of memory bandwidth busy on one thread, so a second hyperthread on the same core adds
 * contention, not throughput; {@link Runtime#availableProcessors()} counts hyperthreads. Read from Linux
 * sysfs (distinct physical_package_id/core_id pairs of the online CPUs); elsewhere, or when sysfs cannot
 * be read, the available processors.
 */
final class CpuTopology {

    static final Path SYS_CPU = Path.of("/sys/devices/system/cpu");

    private CpuTopology() {
    }

    /** Physical cores this JVM may use: the machine's, scaled down when the JVM sees fewer CPUs. */
    static int physicalCores() {
        return physicalCores(SYS_CPU, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param sysCpu    the sysfs cpu directory (a test passes its own)
     * @param available CPUs the JVM may run on (affinity and cgroup limits included)
     */
    static int physicalCores(Path sysCpu, int available) {
        try {
            Set<Integer> online = parseList(Files.readString(sysCpu.resolve("online")).trim());
            Set<String> cores = new HashSet<>();
            for (int cpu : online) {
                Path topo = sysCpu.resolve("cpu" + cpu).resolve("topology");
                cores.add(Files.readString(topo.resolve("physical_package_id")).trim() + "/"
                        + Files.readString(topo.resolve("core_id")).trim());
            }
            if (online.isEmpty() || cores.isEmpty()) {
                return available;
            }
            if (available >= online.size()) {
                return cores.size();
            }
            // restricted to some CPUs without knowing which: assume the machine's threads-per-core ratio
            return Math.max(1, (int) Math.round((double) available * cores.size() / online.size()));
        } catch (IOException | RuntimeException e) {
            return available;
        }
    }

    /** A sysfs CPU list such as "0-3,8,10-11". */
    static Set<Integer> parseList(String list) {
        Set<Integer> out = new HashSet<>();
        if (list.isEmpty()) {
            return out;
        }
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            int lo = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).trim());
            int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1).trim());
            if (hi < lo || hi - lo > 1 << 16) {
                throw new IllegalArgumentException("bad CPU range " + part);
            }
            for (int c = lo; c <= hi; c++) {
                out.add(c);
            }
        }
        return out;
    }
}
