package io.paligemma.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.paligemma.generate.LogitsProcessors;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.logits.LogitsProcessor;
import io.paligemma.generate.logits.LogitsProcessorList;
import io.paligemma.generate.logits.MinPLogitsWarper;
import io.paligemma.generate.logits.NoRepeatNGramLogitsProcessor;
import io.paligemma.generate.logits.RepetitionPenaltyLogitsProcessor;
import io.paligemma.generate.logits.TemperatureLogitsWarper;
import io.paligemma.generate.logits.TokenDistribution;
import io.paligemma.generate.logits.TopKLogitsWarper;
import io.paligemma.generate.logits.TopPLogitsWarper;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The sampler against a case's {@code sampling.json} (the fixtures' sampling-README.md): for every entry and
 * every source, the distribution that this engine's processors give (built from the entry's
 * {@code effective_generation_config} by {@link LogitsProcessors}, exactly as a request would) from the source's
 * logits vector, which is read from the case's {@code expected.safetensors}, never recomputed. One check per
 * entry and source, named {@code sampling/<entry>/<source>}: the processors must be HF's (classes, order and
 * parameters), the kept token set must be the same set, and every probability within the file's absolute
 * tolerance (1e-6). Nothing here knows the case, the entries or the vocabulary size.
 */
public final class SamplingConformance {
    static final String FILE = "sampling.json";
    private static final double DEFAULT_TOLERANCE = 1e-6;

    private SamplingConformance() {
    }

    /** A directory with {@code sampling.json} next to the {@code expected.safetensors} its logits come from. */
    static boolean matches(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE)) && Files.isRegularFile(dir.resolve("expected.safetensors"));
    }

    /** The checks of {@code dir/sampling.json}; a file that cannot be read is one failed check. */
    public static List<CheckResult> run(Path dir) {
        List<CheckResult> results = new ArrayList<>();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dir.resolve(FILE).toFile());
        } catch (IOException e) {
            return List.of(CheckResult.failed("sampling/error", FILE + " cannot be read: " + e.getMessage()));
        }
        int format = root.path("format_version").asInt(-1);
        int vocab = root.path("vocab_size").asInt(-1);
        if (format != 1 || vocab < 1 || !root.path("sources").isObject() || !root.path("entries").isObject()) {
            return List.of(CheckResult.failed("sampling/error", FILE + ": expected format_version 1 with vocab_size, "
                    + "sources and entries (got format_version " + format + ", vocab_size " + vocab + ")"));
        }
        double tolerance = root.path("tolerance").path("probabilities_abs").asDouble(DEFAULT_TOLERANCE);
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            Map<String, Source> sources = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> s : root.path("sources").properties()) {
                sources.put(s.getKey(), Source.load(s.getValue(), expected, vocab));
            }
            for (Map.Entry<String, JsonNode> entry : root.path("entries").properties()) {
                Setting setting = Setting.of(entry.getValue());
                for (Map.Entry<String, JsonNode> r : entry.getValue().path("results").properties()) {
                    String name = "sampling/" + entry.getKey() + "/" + r.getKey();
                    Source source = sources.get(r.getKey());
                    results.add(source == null ? CheckResult.failed(name, "no source '" + r.getKey() + "' in " + FILE)
                            : check(name, setting, source, r.getValue(), vocab, tolerance));
                }
            }
        } catch (RuntimeException e) {
            results.add(CheckResult.failed("sampling/error", e.toString()));
        }
        return results;
    }

    private static CheckResult check(String name, Setting setting, Source source, JsonNode expected, int vocab,
                                     double tolerance) {
        if (setting.problem != null) {
            return CheckResult.failed(name, setting.problem);
        }
        if (source.problem != null) {
            return CheckResult.failed(name, source.problem);
        }
        int[] ids = ints(expected.path("kept_ids"));
        double[] probs = doubles(expected.path("probs"));
        if (probs.length != ids.length || expected.path("kept_count").asInt(-1) != ids.length) {
            return CheckResult.failed(name, FILE + ": kept_count, kept_ids and probs of this result disagree");
        }
        // the README stores kept_ids ascending; the demand is the same set, so order them here regardless
        Integer[] order = new Integer[ids.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Integer.compare(ids[a], ids[b]));
        int[] wantIds = Arrays.stream(order).mapToInt(i -> ids[i]).toArray();
        double[] wantProbs = Arrays.stream(order).mapToDouble(i -> probs[i]).toArray();
        TokenDistribution d;
        try {
            d = new TokenDistribution(vocab).compute(MemorySegment.ofArray(source.logits), setting.processors,
                    source.context, source.context.length);
        } catch (RuntimeException e) {
            return CheckResult.failed(name, e.getMessage());
        }
        int[] kept = d.keptIds();
        if (!Arrays.equals(kept, wantIds)) {
            return CheckResult.failed(name, "kept " + kept.length + " tokens, expected " + wantIds.length + ": extra "
                    + firstFew(minus(kept, wantIds)) + ", missing " + firstFew(minus(wantIds, kept)));
        }
        double err = 0;
        int worst = -1;
        for (int i = 0; i < kept.length; i++) {
            double diff = Math.abs(d.probability(kept[i]) - wantProbs[i]);
            if (!(diff <= err)) {
                err = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
                worst = i;
            }
        }
        boolean ok = err <= tolerance;
        String detail = String.format(Locale.ROOT, "kept %d of %d (same ids), max|dp|=%.3g tol=%.0e; %s", kept.length,
                vocab, err, tolerance, setting.describe());
        if (!ok) {
            detail += String.format(Locale.ROOT, "; worst: token %d p=%.9g vs %.9g", kept[worst],
                    d.probability(kept[worst]), wantProbs[worst]);
        }
        return new CheckResult(name, ok, detail);
    }

    /** One source vector: the logits and the context that the repetition penalty reads, or why it cannot be used. */
    private record Source(float[] logits, int[] context, String problem) {

        static Source load(JsonNode node, SafetensorsFile expected, int vocab) {
            String tensorName = node.path("tensor").asText();
            Tensor t = expected.find(tensorName).orElse(null);
            if (t == null) {
                return failed("expected.safetensors has no tensor '" + tensorName + "'");
            }
            int[] index = ints(node.path("index"));
            if (t.rank() != index.length + 1 || t.dim(-1) != vocab) {
                return failed(t + " indexed by " + Arrays.toString(index) + " is not a vector of vocab_size " + vocab);
            }
            long offset = 0;
            for (int i = 0; i < index.length; i++) {
                if (index[i] < 0 || index[i] >= t.dim(i)) {
                    return failed("index " + Arrays.toString(index) + " is outside " + t);
                }
                offset = offset * t.dim(i) + index[i];
            }
            float[] logits = new float[vocab];
            for (int j = 0; j < vocab; j++) {
                logits[j] = t.floatAt(offset * vocab + j);
            }
            String want = node.path("float32_le_sha256").asText("");
            String got = sha256(logits);
            if (!want.isEmpty() && !want.equalsIgnoreCase(got)) {
                return failed(tensorName + Arrays.toString(index) + " has sha256 " + got + ", " + FILE + " says " + want);
            }
            int[] context = ints(node.path("context_ids"));
            for (int id : context) {
                if (id < 0 || id >= vocab) {
                    return failed("context id " + id + " is outside the vocabulary of " + vocab);
                }
            }
            return new Source(logits, context, null);
        }

        private static Source failed(String problem) {
            return new Source(null, null, problem);
        }
    }

    /**
     * An entry's setting as this engine's processors, after checking them against the processors HF built
     * (class, order, parameters); {@code problem} says why the entry cannot be run as HF ran it.
     */
    private record Setting(LogitsProcessorList processors, String problem) {

        static Setting of(JsonNode entry) {
            JsonNode g = entry.path("effective_generation_config");
            if (!g.isObject()) {
                return new Setting(null, "the entry has no effective_generation_config");
            }
            LogitsProcessorList ours;
            try {
                boolean doSample = g.path("do_sample").asBoolean(false);
                float temperature = (float) number(g, "temperature", 1.0);
                if (doSample && !(temperature > 0)) {
                    return new Setting(null, "do_sample with temperature " + temperature + " (Hugging Face refuses it too)");
                }
                SamplingConfig config = new SamplingConfig(doSample ? temperature : 0f, (int) number(g, "top_k", 0),
                        number(g, "top_p", 1.0), (float) number(g, "min_p", 0.0),
                        (float) number(g, "repetition_penalty", 1.0), 0L, (int) number(g, "no_repeat_ngram_size", 0));
                ours = LogitsProcessors.of(config, entry.path("min_tokens_to_keep").asInt(1));
            } catch (IllegalArgumentException e) {
                return new Setting(null, e.getMessage());
            }
            String mismatch = compare(hfProcessors(entry), ours.processors());
            return new Setting(ours, mismatch);
        }

        /** HF's list as written: {@code processors} (class + parameters), else the class names of {@code processor_order}. */
        private static List<JsonNode> hfProcessors(JsonNode entry) {
            List<JsonNode> list = new ArrayList<>();
            JsonNode p = entry.path("processors").isArray() ? entry.path("processors") : entry.path("processor_order");
            for (JsonNode n : p) {
                JsonNode item = n.isTextual() ? JsonNodeFactory.instance.objectNode().put("class", n.asText()) : n;
                // MinPLogitsWarper(0) removes nothing; this engine spells min_p 0 as no processor
                if (!(item.path("class").asText().equals("MinPLogitsWarper") && item.path("min_p").isNumber()
                        && item.path("min_p").asDouble() == 0)) {
                    list.add(item);
                }
            }
            return list;
        }

        /** Null when our processors are HF's: same classes in the same order with the same parameters. */
        private static String compare(List<JsonNode> hf, List<LogitsProcessor> ours) {
            List<String> hfNames = hf.stream().map(n -> n.path("class").asText()).toList();
            List<String> ourNames = ours.stream().map(LogitsProcessor::name).toList();
            if (!hfNames.equals(ourNames)) {
                return "Hugging Face applies " + hfNames + ", this sampler " + ourNames
                        + (hfNames.stream().anyMatch(n -> !ourNames.contains(n)) ? " (a processor it does not have)" : "");
            }
            for (int i = 0; i < ours.size(); i++) {
                String diff = parameters(hf.get(i), ours.get(i));
                if (diff != null) {
                    return ourNames.get(i) + ": " + diff;
                }
            }
            return null;
        }

        /** Each parameter HF recorded must equal ours (as float32 where HF's arithmetic uses float32). */
        private static String parameters(JsonNode hf, LogitsProcessor p) {
            Map<String, Double> ours = new LinkedHashMap<>();
            switch (p) {
                case RepetitionPenaltyLogitsProcessor r -> ours.put("penalty", (double) r.penalty());
                case NoRepeatNGramLogitsProcessor n -> ours.put("ngram_size", (double) n.ngramSize());
                case TemperatureLogitsWarper t -> ours.put("temperature", (double) t.temperature());
                case TopKLogitsWarper k -> ours.put("top_k", (double) k.topK());
                case TopPLogitsWarper t -> {
                    ours.put("top_p", t.topP());
                    ours.put("min_tokens_to_keep", (double) t.minTokensToKeep());
                }
                case MinPLogitsWarper m -> {
                    ours.put("min_p", (double) m.minP());
                    ours.put("min_tokens_to_keep", (double) m.minTokensToKeep());
                }
                default -> {
                }
            }
            for (Map.Entry<String, Double> e : ours.entrySet()) {
                JsonNode v = hf.path(e.getKey());
                boolean isFloat32 = p instanceof TemperatureLogitsWarper || p instanceof RepetitionPenaltyLogitsProcessor
                        || (p instanceof MinPLogitsWarper && e.getKey().equals("min_p"));
                if (v.isNumber() && (isFloat32 ? (float) v.asDouble() != e.getValue().floatValue()
                        : v.asDouble() != e.getValue())) {
                    return e.getKey() + " " + e.getValue() + " where Hugging Face has " + v.asText();
                }
            }
            return null;
        }

        String describe() {
            return processors.isEmpty() ? "no processors"
                    : processors.processors().stream().map(Object::toString).collect(Collectors.joining(" > "));
        }
    }

    /** A generation-config number, {@code otherwise} when absent or null (HF's "off" values). */
    private static double number(JsonNode g, String key, double otherwise) {
        JsonNode v = g.path(key);
        return v.isNumber() ? v.asDouble() : otherwise;
    }

    private static String sha256(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static int[] minus(int[] a, int[] b) {
        return Arrays.stream(a).filter(x -> Arrays.binarySearch(b, x) < 0).toArray();
    }

    private static String firstFew(int[] ids) {
        return ids.length == 0 ? "none" : ids.length + " " + Arrays.toString(Arrays.copyOf(ids, Math.min(ids.length, 8)))
                .replace("]", ids.length > 8 ? ", ...]" : "]");
    }
}
