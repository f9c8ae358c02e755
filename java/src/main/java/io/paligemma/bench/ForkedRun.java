package io.paligemma.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.ops.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One (checkpoint, backend) bench run in a JVM of its own, as JMH forks its benchmarks. In one JVM the
 * Java backend's kernels are compiled for whatever ran first: after the f32 model, bf16 prefill on the
 * Java backend took 13.5–14.0 s against 7.4 s in a fresh JVM (runs D and E of BENCHMARKS.md), and peak
 * RSS counted both models. The child is this JVM's own command line (same java, flags and class path)
 * running the hidden {@code bench-run} command, which writes its stage results as JSON for the parent.
 */
public final class ForkedRun {

    /** The hidden CLI command a child runs. */
    public static final String COMMAND = "bench-run";
    private static final String MAIN = "io.paligemma.cli.Main";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ForkedRun() {
    }

    /** Runs the configuration in a child JVM (its progress and errors go to this process's stderr). */
    public static List<StageResult> run(Path dir, Backend backend, int threads, int decodeTokens, Path image, int warmup,
                                        int repeat, long readNowBytes) {
        Path out = null;
        try {
            out = Files.createTempFile("paligemma-bench-", ".json");
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command()
                    .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this process")));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            String isa = System.getProperty("paligemma.isa");
            if (isa != null && !isa.isBlank()) {
                cmd.add("-Dpaligemma.isa=" + isa); // --isa sets it at run time, where getInputArguments cannot see it
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(MAIN);
            cmd.addAll(List.of(COMMAND, "--model", dir.toString(), "--backend", backend.id(), "--threads",
                    Integer.toString(threads), "--decode-tokens", Integer.toString(decodeTokens), "--warmup",
                    Integer.toString(warmup), "--repeat", Integer.toString(repeat), "--read-now-bytes",
                    Long.toString(readNowBytes), "--out", out.toString()));
            if (image != null) {
                cmd.addAll(List.of("--image", image.toString()));
            }
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("the bench JVM for " + backend.id() + " on " + dir + " exited with " + rc
                        + " (its error is printed above)");
            }
            return read(Files.readString(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the bench JVM ran", e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /** The child's side: stage results as JSON, every field of {@link StageResult} (NaN as null). */
    public static String write(List<StageResult> results) {
        ArrayNode a = JSON.createArrayNode();
        for (StageResult r : results) {
            ObjectNode o = a.addObject();
            o.put("backend", r.backend());
            o.put("weights", r.weights());
            o.put("stage", r.stage().id());
            o.put("median_s", r.stats().medianS());
            o.put("min_s", r.stats().minS());
            o.put("max_s", r.stats().maxS());
            o.put("samples", r.stats().samples());
            o.put("tokens", r.tokens());
            o.put("flops", r.flops());
            o.put("bytes", r.bytes());
            o.put("peak_rss_bytes", r.peakRssBytes());
            JsonNumbers.put(o, "load_average", r.loadAverage());
            JsonNumbers.put(o, "other_cores", r.otherCores());
            JsonNumbers.put(o, "read_now_gbps", r.readNowGbps());
            JsonNumbers.put(o, "heap_bytes_per_token", r.heapBytesPerToken());
        }
        return a.toString();
    }

    /** The parent's side: the results {@link #write} wrote. */
    public static List<StageResult> read(String json) throws IOException {
        List<StageResult> out = new ArrayList<>();
        for (JsonNode o : JSON.readTree(json)) {
            Stats st = new Stats(o.get("median_s").asDouble(), o.get("min_s").asDouble(), o.get("max_s").asDouble(),
                    o.get("samples").asInt());
            out.add(new StageResult(o.get("backend").asText(), o.get("weights").asText(), Stage.parse(o.get("stage").asText()),
                    st, o.get("tokens").asInt(), o.get("flops").asDouble(), o.get("bytes").asDouble(),
                    o.get("peak_rss_bytes").asLong(), JsonNumbers.get(o, "load_average"), JsonNumbers.get(o, "other_cores"),
                    JsonNumbers.get(o, "read_now_gbps"), JsonNumbers.get(o, "heap_bytes_per_token")));
        }
        return out;
    }
}
