package io.paligemma.cli;

import io.paligemma.ops.NativeOps;
import io.paligemma.ops.OpsProvider;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, the native kernels library (path, build flags, CPU features), OpenBLAS (version, "
                + "core type, threads) and which backends can run here.")
final class InfoCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        Runtime.Version v = Runtime.version();
        row("jdk", v + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")");
        row("os", System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs visible");
        row("default threads", OpsProvider.defaultThreads() + " (physical cores; --threads or -Dpaligemma.threads to change)");
        row("vector species", jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.toString());
        String nativeStatus;
        try {
            Map<String, String> facts = NativeOps.describe();
            facts.forEach(InfoCommand::row);
            nativeStatus = "available";
        } catch (RuntimeException e) {
            nativeStatus = "NOT available: " + Errors.message(e);
        }
        row("backend native", nativeStatus);
        row("backend java", "available (Vector API)");
        return 0;
    }

    private static void row(String key, String value) {
        System.out.printf("%-18s %s%n", key + ":", value);
    }
}
