package io.paligemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user meets first: help texts, and one-line errors with documented exit codes. */
class CliTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    record Run(int exit, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"demo", "info", "inspect", "generate", "detect", "segment", "parse", "conformance",
                "make-random", "bench", "bench-ops", "profile"}) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.exit, cmd);
            assertTrue(r.out.contains("Usage: paligemma " + cmd), cmd + ": " + r.out);
        }
        Run top = run("--help");
        assertEquals(0, top.exit);
        assertTrue(top.out.contains("Exit codes"));
    }

    /** Issue #14: numeric options out of range are one-line usage errors naming the option. */
    @Test
    void numericOptionsAreRangeChecked() {
        String demo = "java/src/main/resources/demo/checkpoint";
        String[][] cases = {
            {"--decode-steps", "profile", "--model", demo, "--decode-steps", "-2"},
            {"--prompt-tokens", "profile", "--model", demo, "--prompt-tokens", "0"},
            {"threads", "profile", "--model", demo, "--threads", "-1"},
            {"--call-runs", "bench-ops", "--call-runs", "0"},
            {"--calls", "bench-ops", "--calls", "-1"},
            {"--roofline-mib", "bench", "--model", demo, "--roofline-mib", "-4"},
            {"threads", "generate", "--model", demo, "--image", "java/src/main/resources/demo/image.png", "--prompt", "x",
                "--threads", "100000"},
        };
        for (String[] c : cases) {
            Run r = run(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(2, r.exit, String.join(" ", c) + ": " + r.err);
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(r.err.contains(c[0]), r.err);
        }
    }

    /** Issue #14 D4: --seg-weights is read before any work, so a missing or broken file fails even without masks. */
    @Test
    void maskDecoderWeightsAreValidatedWhenGiven(@TempDir Path tmp) throws Exception {
        Path garbage = Files.writeString(tmp.resolve("garbage.npz"), "not a zip file");
        for (Path weights : new Path[] {tmp.resolve("nonexistent.npz"), garbage}) {
            Run parse = run("parse", "--width", "100", "--height", "100", "--seg-weights", weights.toString(),
                    "<loc0100><loc0100><loc0900><loc0900> cat");
            assertEquals(2, parse.exit, parse.err);
            assertEquals(1, parse.err.strip().lines().count(), parse.err);
            assertTrue(parse.err.contains(weights.getFileName().toString()), parse.err);
            Path image = tmp.resolve("x.png");
            Files.copy(FIXTURES.resolve("paligemma-tiny/image.png"), image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Run segment = run("segment", "--model", "java/src/main/resources/demo/checkpoint", "--image", image.toString(),
                    "--object", "cat", "--max-tokens", "2", "--seg-weights", weights.toString());
            assertEquals(2, segment.exit, segment.err);
            assertTrue(segment.err.contains(weights.getFileName().toString()), segment.err);
        }
    }

    @Test
    void wrongFlagMissingModelAndMissingImageAreOneLineErrors(@TempDir Path tmp) throws Exception {
        Run wrong = run("generate", "--prompt", "x", "--no-such-flag");
        assertEquals(2, wrong.exit);
        assertEquals(1, wrong.err.strip().lines().count(), wrong.err);
        assertTrue(wrong.err.startsWith("paligemma generate: Unknown option: '--no-such-flag'"), wrong.err);

        Path image = tmp.resolve("x.png");
        Files.copy(FIXTURES.resolve("paligemma-tiny/image.png"), image);
        Run noModel = run("generate", "--model", tmp.resolve("absent").toString(), "--image", image.toString(), "--prompt", "caption en");
        assertEquals(2, noModel.exit);
        assertEquals(1, noModel.err.strip().lines().count(), noModel.err);
        assertTrue(noModel.err.contains("does not exist"), noModel.err);

        Run noImage = run("generate", "--model", tmp.toString(), "--image", tmp.resolve("absent.png").toString(), "--prompt", "x");
        assertEquals(2, noImage.exit);
        assertEquals(1, noImage.err.strip().lines().count(), noImage.err);
        assertTrue(noImage.err.contains("absent.png"), noImage.err);
    }

    @Test
    void batchGenerateGivesOneJsonLinePerPictureInOrder() throws Exception {
        String a = FIXTURES.resolve("paligemma-tiny/image.png").toString();
        String b = FIXTURES.resolve("paligemma2-tiny/image2.png").toString();
        Run batch = run("generate", "--prompt", "caption en", "--image", a, "--image", b, "--image", a, "--max-tokens", "5",
                "--max-running", "2", "--threads", "1");
        assertEquals(0, batch.exit, batch.err);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var lines = batch.out.strip().lines().map(l -> {
            try {
                return json.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertEquals(3, lines.size(), batch.out);
        assertEquals(a, lines.get(0).get("image").asText());
        assertEquals(b, lines.get(1).get("image").asText());
        assertEquals(lines.get(0).get("text"), lines.get(2).get("text"));
        for (int i = 0; i < 2; i++) {
            Run single = run("generate", "--prompt", "caption en", "--image", i == 0 ? a : b, "--max-tokens", "5",
                    "--threads", "1");
            assertEquals(single.out.strip(), lines.get(i).get("text").asText().strip(), "picture " + i);
        }
    }

    @Test
    void profileTimesEveryOpOnBothBackends() {
        Run r = run("profile", "--model", FIXTURES.resolve("paligemma2-tiny/checkpoint").toString(), "--prompt-tokens", "30",
                "--decode-steps", "2", "--threads", "1");
        assertEquals(0, r.exit, r.err);
        assertTrue(r.out.contains("native backend") && r.out.contains("java backend"), r.out);
        // the tied head [vocab, hidden] at one row per decode step, and the softmax of every head
        assertTrue(r.out.contains("linear F32 [1088, 64] m=1"), r.out);
        assertTrue(r.out.contains("softmaxRows"), r.out);
    }

    /** int8 weights: make-random points to quantize, profile runs an int8 checkpoint as int8, bench lists int8. */
    @Test
    void int8WeightsThroughMakeRandomQuantizeAndProfile(@TempDir Path tmp) {
        Path random = tmp.resolve("random");
        Run r = run("make-random", "--preset", "paligemma-3b-224", "--dtype", "int8", "--out", random.toString());
        assertEquals(2, r.exit, r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.contains("--dtype bf16") && r.err.contains("paligemma quantize --model DIR --out DIR2"), r.err);
        assertTrue(!Files.exists(random), "nothing written");

        Run bad = run("bench", "--preset", "paligemma-3b-224", "--weights", "int4");
        assertEquals(2, bad.exit, bad.err);
        assertTrue(bad.err.contains("f32, bf16, f16 or int8"), bad.err);

        Path int8 = tmp.resolve("int8");
        Run q = run("quantize", "--model", FIXTURES.resolve("paligemma2-tiny/checkpoint").toString(), "--out", int8.toString());
        assertEquals(0, q.exit, q.err);
        Run p = run("profile", "--model", int8.toString(), "--prompt-tokens", "30", "--decode-steps", "2", "--threads", "1",
                "--backends", "native");
        assertEquals(0, p.exit, p.err);
        assertTrue(p.out.contains("linear Q8_0 [1088, 64] m=1"), "the tied head as int8:\n" + p.out);
    }

    @Test
    void inspectReportsCorruptFiles(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Run r = run("inspect", bad.toString());
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("bad.safetensors"), r.err);
        Run ok = run("inspect", FIXTURES.resolve("paligemma-tiny/checkpoint").toString());
        assertEquals(0, ok.exit);
        assertTrue(ok.out.contains("language_model.model.embed_tokens.weight"), ok.out);
    }

    @Test
    void conformanceCommandPassesOnTheFixtures() {
        Run r = run("conformance", "--fixtures", FIXTURES.toString(), "--threads", "1");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.strip().endsWith("0 failed"), r.out);
    }
}
