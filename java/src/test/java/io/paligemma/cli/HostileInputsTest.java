package io.paligemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file of the hostile-input corpus ({@code java/src/test/resources/hostile/}, README.md there) through
 * the CLI: exit code 2 and one line on stderr that names the input; model answers ({@code answers/}) exit 0
 * with their problems listed. The corpus runs through {@link Main#run} in this JVM (a crash would take the
 * test JVM down, which fails the run), and a few files also through a JVM of their own, which must leave
 * no hs_err file.
 */
class HostileInputsTest {

    private static final Path CORPUS = Path.of("java/src/test/resources/hostile");
    private static final Path DEMO = Path.of("java/src/main/resources/demo/checkpoint");
    private static final Path IMAGE = Path.of("java/src/main/resources/demo/image.png");
    private static final String ANSWER = "<loc0100><loc0100><loc0900><loc0900> cat";

    @TempDir
    static Path tmp;

    record Run(int exit, String out, String err) {
        /**
         * stderr without the JVM's own notice about incubator modules (printed before our main runs) and the
         * engine's informational log records ("[INFO] ops backend: native, 2 thread(s)" as the CLI formats
         * them; in this JVM, logging may have started with the JDK's two-line default format).
         */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")
                    && !l.startsWith("[INFO] ") && !l.startsWith("INFO: ")
                    && !l.matches("[A-Z][a-z]{2} \\d{2}, \\d{4} \\d{1,2}:\\d{2}:\\d{2} [AP]M .*")).toList();
        }
    }

    private static synchronized Run run(byte[] stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    private static List<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
            return s.sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyHostileInputIsOneLineAndExitTwo() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files("images")) {
            tests.add(DynamicTest.dynamicTest("images/" + f.getFileName(), () -> refused(f.getFileName().toString(),
                    run(new byte[0], "generate", "--model", DEMO.toString(), "--image", f.toString(), "--prompt", "caption en",
                            "--max-tokens", "1"))));
        }
        for (Path f : files("safetensors")) {
            tests.add(DynamicTest.dynamicTest("safetensors/" + f.getFileName(), () -> refused(f.getFileName().toString(),
                    run(new byte[0], "inspect", f.toString()))));
        }
        for (Path c : files("checkpoint")) {
            tests.add(DynamicTest.dynamicTest("checkpoint/" + c.getFileName(), () -> {
                Path dir = overlay(c);
                refused(c.getFileName().toString(), run(new byte[0], "generate", "--model", dir.toString(), "--image",
                        IMAGE.toString(), "--prompt", "caption en", "--max-tokens", "2", "--threads", "1"));
            }));
        }
        for (Path f : files("npz")) {
            tests.add(DynamicTest.dynamicTest("npz/" + f.getFileName(), () -> refused(f.getFileName().toString(),
                    run(new byte[0], "parse", "--width", "100", "--height", "100", "--seg-weights", f.toString(), ANSWER))));
        }
        for (Path f : files("answers")) {
            tests.add(DynamicTest.dynamicTest("answers/" + f.getFileName(), () -> {
                Run r = run(Files.readAllBytes(f), "parse", "--width", "640", "--height", "480", "-");
                assertEquals(0, r.exit, r.err);
                assertEquals(List.of(), r.errLines());
                JsonNode json = new ObjectMapper().readTree(r.out);
                assertTrue(json.path("problems").size() > 0, "problems reported: " + r.out);
            }));
        }
        assertTrue(tests.size() >= 60, "corpus has only " + tests.size() + " files");
        return tests.stream();
    }

    /** Exit 2, one line on stderr, and the line names the input (file or checkpoint case). */
    private static void refused(String name, Run r) {
        assertEquals(2, r.exit, "exit code; stderr: " + r.err + " stdout: " + r.out);
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), "one line on stderr: " + r.err);
        assertTrue(lines.getFirst().startsWith("paligemma "), lines.getFirst());
        assertTrue(lines.getFirst().contains(name), "the message names " + name + ": " + lines.getFirst());
        assertTrue(!lines.getFirst().contains("Exception") && !lines.getFirst().contains("should not reach"),
                "a message for people, not an exception's class: " + lines.getFirst());
    }

    /**
     * A copy of the demo checkpoint (in a directory named after the case) with the case's files laid over
     * it: a file replaces its namesake, {@code DELETE} lists files to remove, and
     * {@code model.safetensors.header.json} becomes the header of model.safetensors over the demo's data.
     */
    static Path overlay(Path caseDir) throws IOException {
        Path dir = tmp.resolve(caseDir.getFileName().toString());
        Files.createDirectories(dir);
        try (Stream<Path> demo = Files.list(DEMO)) {
            for (Path f : demo.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (Stream<Path> files = Files.list(caseDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals("DELETE")) {
                    for (String gone : Files.readAllLines(f)) {
                        Files.deleteIfExists(dir.resolve(gone.strip()));
                    }
                } else if (name.equals("model.safetensors.header.json")) {
                    byte[] demo = Files.readAllBytes(DEMO.resolve("model.safetensors"));
                    long length = ByteBuffer.wrap(demo).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                    byte[] header = Files.readAllBytes(f);
                    ByteBuffer out = ByteBuffer.allocate(8 + header.length + demo.length - 8 - (int) length)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    out.putLong(header.length).put(header).put(demo, 8 + (int) length, demo.length - 8 - (int) length);
                    Files.write(dir.resolve("model.safetensors"), out.array());
                } else {
                    Files.copy(f, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return dir;
    }

    /** A few files through a JVM of their own (the launcher's flags): exit 2, one line, no hs_err file. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void inAJvmOfItsOwnNoCrashFile() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("jvm"));
        String[][] runs = {
            {"bomb-100000x100000.png", "generate", "--model", DEMO.toAbsolutePath().toString(), "--image",
                CORPUS.resolve("images/bomb-100000x100000.png").toAbsolutePath().toString(), "--prompt", "x"},
            {"header-length-2pow63.safetensors", "inspect",
                CORPUS.resolve("safetensors/header-length-2pow63.safetensors").toAbsolutePath().toString()},
            {"config-image-tokens-overflow", "generate", "--model",
                overlay(CORPUS.resolve("checkpoint/config-image-tokens-overflow")).toAbsolutePath().toString(),
                "--image", IMAGE.toAbsolutePath().toString(), "--prompt", "x"},
        };
        for (String[] r : runs) {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElseThrow());
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
            cmd.add("-XX:ErrorFile=" + work.resolve("hs_err_pid%p.log"));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
            cmd.addAll(List.of(r).subList(1, r.length));
            Process p = new ProcessBuilder(cmd).directory(work.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), r[0] + ": still running");
            refused(r[0], new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8)));
            try (Stream<Path> left = Files.list(work)) {
                assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList(), r[0]);
            }
        }
    }
}
