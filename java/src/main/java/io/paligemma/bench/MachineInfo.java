package io.paligemma.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the numbers were measured on: CPU, cores, memory, JDK, OS, and how busy the machine was. */
public record MachineInfo(String cpuModel, int cores, List<String> cpuFlags, long memoryBytes, String jdk, String os) {

    /** The vector and matrix extensions that decide which kernels run. */
    private static final List<String> FLAGS = List.of("avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_fp16",
            "amx_bf16", "amx_int8", "amx_tile");

    public static MachineInfo probe() {
        String model = "unknown";
        List<String> flags = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (model.equals("unknown") && line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (flags.isEmpty() && line.startsWith("flags")) {
                    List<String> have = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                    FLAGS.stream().filter(have::contains).forEach(flags::add);
                }
            }
        } catch (IOException e) {
            // not Linux: the JVM's view below still describes the machine
        }
        long mem = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    mem = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            mem = 0;
        }
        String jdk = System.getProperty("java.vm.name") + " " + Runtime.version();
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
        return new MachineInfo(model, Runtime.getRuntime().availableProcessors(), List.copyOf(flags), mem, jdk, os);
    }

    /** The 1, 5 and 15 minute load averages ({@code uptime}); NaNs where /proc/loadavg is missing. */
    public static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return new double[] {l, Double.NaN, Double.NaN};
        }
    }
}
