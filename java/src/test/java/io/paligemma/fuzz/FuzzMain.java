package io.paligemma.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/**
 * {@code ./paligemma fuzz [--minutes N] [TARGET...]}: coverage-guided fuzzing of every parser with Jazzer,
 * one target at a time, N minutes each (default 1), each in a JVM of its own (Jazzer fuzzes one
 * {@link FuzzTest} per JVM). The targets are the {@code @FuzzTest} methods of the {@code *FuzzTest} classes,
 * named {@code <class without FuzzTest, lower camel case>.<method>} (e.g. {@code safetensors.file}); without
 * arguments all of them run. Each run starts from the committed seeds and keeps the corpus it grows in
 * {@code target/fuzz/<target>/.cifuzz-corpus} (reused by the next run; never read by {@code ./paligemma test}). A
 * crashing input is copied beside the seeds as a regression case ({@code crash-*}), which the normal test
 * run then replays: fix the parser, keep the file. At the end one line per target: executions, seconds,
 * findings.
 */
public final class FuzzMain {

    private static final Path TEST_RESOURCES = Path.of("java/src/test/resources");
    private static final Pattern EXECUTIONS = Pattern.compile("^#(\\d+)\\s", Pattern.MULTILINE);

    private FuzzMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--child")) {
            System.exit(child(args[1]));
        }
        double minutes = 1;
        List<String> wanted = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> {
                    if (i + 1 >= args.length) {
                        usage("--minutes needs a number");
                    }
                    try {
                        minutes = Double.parseDouble(args[++i]);
                    } catch (NumberFormatException e) {
                        usage("--minutes: not a number: " + args[i]);
                    }
                    if (!(minutes > 0) || minutes > 7 * 24 * 60) {
                        usage("--minutes must be > 0 and at most a week, got " + args[i]);
                    }
                }
                case "--list" -> {
                    targets().keySet().forEach(System.out::println);
                    return;
                }
                case "-h", "--help" -> {
                    System.out.println("Usage: paligemma fuzz [--minutes N] [--list] [TARGET...]\n"
                            + "Fuzzes each target (all without arguments) for N minutes (default 1) in its own JVM;"
                            + " crashing inputs are kept beside the seeds as regression cases.");
                    return;
                }
                default -> wanted.add(args[i]);
            }
        }
        Map<String, Method> all = targets();
        Map<String, Method> chosen = new LinkedHashMap<>();
        for (String w : wanted) {
            if (!all.containsKey(w)) {
                usage("no fuzz target '" + w + "' (--list shows them)");
            }
            chosen.put(w, all.get(w));
        }
        if (chosen.isEmpty()) {
            chosen.putAll(all);
        }
        List<String> report = new ArrayList<>();
        int findings = 0;
        for (Map.Entry<String, Method> t : chosen.entrySet()) {
            Result r = fuzz(t.getKey(), t.getValue(), minutes);
            findings += r.findings.size();
            String line = String.format(Locale.ROOT, "%-28s %,12d executions in %5.0f s  %s", t.getKey(), r.executions,
                    r.seconds, r.findings.isEmpty() ? "no findings" : r.findings.size() + " finding(s): " + r.findings);
            report.add(line);
            System.out.println("paligemma fuzz: " + line);
        }
        System.out.println();
        report.forEach(System.out::println);
        System.exit(findings == 0 ? 0 : 1);
    }

    private static void usage(String message) {
        System.err.println("paligemma fuzz: " + message + " (see 'paligemma fuzz --help')");
        System.exit(2);
    }

    /** Every @FuzzTest method of the *FuzzTest classes under the test classes directory, by target name. */
    static Map<String, Method> targets() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(FuzzMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(classes)) {
            names = files.map(p -> classes.relativize(p).toString()).filter(n -> n.endsWith("FuzzTest.class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.')).sorted().toList();
        }
        Map<String, Method> out = new LinkedHashMap<>();
        for (String name : names) {
            Class<?> c = Class.forName(name);
            String simple = c.getSimpleName().substring(0, c.getSimpleName().length() - "FuzzTest".length());
            String prefix = Character.toLowerCase(simple.charAt(0)) + simple.substring(1);
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(FuzzTest.class)) {
                    out.put(prefix + "." + m.getName(), m);
                }
            }
        }
        return out;
    }

    private record Result(long executions, double seconds, List<String> findings) {
    }

    private static Result fuzz(String target, Method method, double minutes) throws IOException, InterruptedException {
        Path work = Path.of("target/fuzz", target).toAbsolutePath();
        Files.createDirectories(work);
        Path log = work.resolve("fuzz.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FuzzMain.class.getName());
        cmd.add("--child");
        cmd.add(method.getDeclaringClass().getName() + "#" + method.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAZZER_FUZZ", "1");
        pb.environment().put("PALIGEMMA_FUZZ_WORK", work.toString());
        pb.environment().put("PALIGEMMA_FUZZ_SECONDS", Long.toString(Math.max(1, Math.round(minutes * 60))));
        System.out.println("paligemma fuzz: " + target + " for " + minutes + " min (log: " + log + ")");
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        String output = Files.readString(log);
        long executions = 0;
        for (Matcher m = EXECUTIONS.matcher(output); m.find(); ) {
            executions = Math.max(executions, Long.parseLong(m.group(1)));
        }
        // crashing inputs: libFuzzer writes them as crash-<sha1> (or timeout-/oom-) in the working directory
        List<String> findings = new ArrayList<>();
        Path inputs = TEST_RESOURCES.resolve(method.getDeclaringClass().getPackageName().replace('.', '/'))
                .resolve(method.getDeclaringClass().getSimpleName() + "Inputs").resolve(method.getName());
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("")), Files.list(work))) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("(crash|timeout|oom|slow-unit)-[0-9a-f]+"))
                    .toList()) {
                Files.createDirectories(inputs);
                Files.move(f, inputs.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                findings.add(inputs.resolve(f.getFileName()).toString());
            }
        }
        if (p.exitValue() != 0 && findings.isEmpty()) {
            findings.add("the fuzzing JVM exited with " + p.exitValue() + " and left no input; see " + log);
        }
        return new Result(executions, seconds, findings);
    }

    /** In the child JVM: runs one @FuzzTest in fuzzing mode through the JUnit Platform. */
    private static int child(String selector) throws ClassNotFoundException {
        Path work = Path.of(System.getenv("PALIGEMMA_FUZZ_WORK"));
        Class<?> c = Class.forName(selector.substring(0, selector.indexOf('#')));
        String name = selector.substring(selector.indexOf('#') + 1);
        Method method = java.util.Arrays.stream(c.getDeclaredMethods()).filter(m -> m.getName().equals(name))
                .findFirst().orElseThrow();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectMethod(c, method))
                .configurationParameter("jazzer.max_duration", System.getenv("PALIGEMMA_FUZZ_SECONDS") + "s")
                // the grown corpus goes to target/fuzz/<target>/.cifuzz-corpus, not into the source tree
                .configurationParameter("jazzer.internal.basedir", work.toString())
                // go on after a finding (up to 20 distinct ones), so one run reports more than the first
                .configurationParameter("jazzer.keep_going", "20")
                // the targets' @Timeout is per input (Jazzer hands it to libFuzzer as -timeout); JUnit would
                // apply it to the whole fuzzing run, which is one invocation
                .configurationParameter("junit.jupiter.execution.timeout.mode", "disabled")
                // tokenizer.json carries regular expressions by design (Split pre-tokenizers, Replace normalizers),
                // compiled with a clear error when invalid: not the injection Jazzer's detector looks for
                .configurationParameter("jazzer.disabled_hooks", "com.code_intelligence.jazzer.sanitizers.RegexInjection")
                .configurationParameter("jazzer.instrumentation_includes",
                        "io.paligemma.**:com.fasterxml.jackson.**:com.google.protobuf.**:com.twelvemonkeys.**")
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(request, summary);
        summary.getSummary().printTo(new java.io.PrintWriter(System.out, true));
        summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.out, true), 30);
        return summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1;
    }
}
