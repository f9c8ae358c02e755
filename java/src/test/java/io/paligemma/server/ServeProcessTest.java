package io.paligemma.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.cli.BundledDemo;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code paligemma serve --demo} as its own process, as a user starts it: the README's curl examples run
 * against it as written (only the port changed), then SIGTERM, and the process must exit 0.
 */
class ServeProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path work;

    /** The bash blocks between README.md's curl-examples markers. */
    static List<String> curlExamples() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int from = readme.indexOf("<!-- curl-examples");
        int to = readme.indexOf("<!-- /curl-examples -->");
        assertTrue(from >= 0 && to > from, "README.md marks its curl examples");
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL).matcher(readme.substring(from, to));
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void readmeCurlExamplesWorkAndSigtermExitsZero() throws Exception {
        List<String> blocks = curlExamples();
        assertTrue(blocks.size() >= 4, "curl examples found: " + blocks.size());
        // photo.jpg: the demo picture as a JPEG
        try (BundledDemo demo = new BundledDemo()) {
            ImageIO.write(ImageIO.read(demo.image.toFile()), "jpg", work.resolve("photo.jpg").toFile());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), "io.paligemma.cli.Main", "serve", "--demo",
                "--served-model-name", "paligemma", "--port", "0", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(work.resolve("serve.log").toFile()).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread watcher = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < 1200 && server.isAlive(); i++) {
                    String log = Files.readString(work.resolve("serve.log"));
                    Matcher m = LISTENING.matcher(log);
                    if (m.find() && log.contains("ready:")) {
                        port.complete(Integer.parseInt(m.group(1)));
                        return;
                    }
                    Thread.sleep(50);
                }
                port.completeExceptionally(new AssertionError("the server did not get ready:\n"
                        + Files.readString(work.resolve("serve.log"))));
            } catch (IOException | InterruptedException e) {
                port.completeExceptionally(e);
            }
        });
        try {
            int p = port.get(90, TimeUnit.SECONDS);
            ObjectMapper json = new ObjectMapper();
            for (String block : blocks) {
                String script = block.replace("127.0.0.1:8080", "127.0.0.1:" + p);
                Process curl = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(work.toFile())
                        .redirectErrorStream(true).start();
                String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, curl.exitValue(), script + "\n" + out);
                assertFalse(out.isBlank(), script);
                assertFalse(out.contains("\"error\""), script + "\n" + out);
                if (script.contains("\"stream\": true")) {
                    assertTrue(out.strip().endsWith("data: [DONE]"), out);
                } else if (script.contains("/v1/chat/completions")) {
                    assertEquals("chat.completion", json.readTree(out).get("object").asText(), out);
                } else if (script.contains("/metrics")) {
                    assertTrue(out.contains("outcome=\"ok\""), out);
                }
            }
            server.destroy();                                   // SIGTERM
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server exits after SIGTERM");
            watcher.join();
            String log = Files.readString(work.resolve("serve.log"));
            assertEquals(0, server.exitValue(), log);
            assertTrue(log.contains("paligemma serve: stopping") && log.contains("paligemma serve: stopped"), log);
            try (Socket s = new Socket("127.0.0.1", p)) {
                throw new AssertionError("still listening on " + s.getRemoteSocketAddress());
            } catch (IOException expected) {
                // the port is closed
            }
        } finally {
            server.destroyForcibly();
        }
    }
}
