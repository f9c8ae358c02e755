package io.paligemma.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.GemmaModel;
import io.paligemma.gemma.KvSegment;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Ops;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.siglip.SiglipVisionTransformer;
import io.paligemma.siglip.VisionWorkspace;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One model case of the fixtures format: {@code checkpoint/} (a Hugging Face PaliGemma directory) and
 * {@code expected.safetensors} (the reference tensors named in the fixtures README). Every stage is
 * checked in pipeline order, so the first failing line names the first stage that disagrees.
 * Nothing here knows the case names or sizes: all shapes come from the checkpoint and the tensors.
 */
final class ModelCase {
    private final String name;
    private final Path dir;
    private final Ops ops;
    private final List<CheckResult> results = new ArrayList<>();

    private ModelCase(Path dir, Ops ops) {
        this.name = dir.getFileName().toString();
        this.dir = dir;
        this.ops = ops;
    }

    static boolean matches(Path dir) {
        return Files.isRegularFile(dir.resolve("checkpoint").resolve("config.json"))
                && Files.isRegularFile(dir.resolve("expected.safetensors"));
    }

    static List<CheckResult> run(Path dir, Ops ops) {
        ModelCase c = new ModelCase(dir, ops);
        try {
            c.runAll();
        } catch (RuntimeException | IOException e) {
            c.results.add(CheckResult.failed(c.name + "/error", e.toString()));
        }
        return c.results;
    }

    private void add(CheckResult r) {
        results.add(new CheckResult(name + "/" + r.name(), r.passed(), r.detail()));
    }

    private void runAll() throws IOException {
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
             var model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), ops);
             Arena arena = Arena.ofShared()) {
            PaliGemmaConfig cfg = model.config();
            int n = cfg.numImageTokens();
            int h = cfg.textConfig().hiddenSize();
            // image → image_resized_u8 → pixel_values with our own decoder and Pillow-exact resize
            SiglipImageProcessor processor = SiglipImageProcessor.fromPretrained(dir.resolve("checkpoint"));
            List<RgbImage> pictures = readImages();
            RgbImage first = pictures.get(0);
            expected.find("image_resized_u8").ifPresent(e -> add(Compare.exactBytes("image_resized_u8",
                    processor.resized(first).rgb(), e)));
            float[] pixels = processor.preprocess(first);
            add(Compare.bitwise("pixel_values", pixels, Compare.floats(expected.tensor("pixel_values"))));
            int images = 1;
            Optional<Tensor> batchPixels = expected.find("batch_pixel_values");
            int maxImages = Math.max(pictures.size(), 1);
            MemorySegment features = arena.allocate((long) maxImages * n * h * Float.BYTES, 64);
            MemorySegment pixelSegment = arena.allocate((long) maxImages * pixels.length * Float.BYTES, 64);
            MemorySegment.copy(pixels, 0, pixelSegment, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, pixels.length);

            try (VisionWorkspace vws = model.newVisionWorkspace(maxImages)) {
                // vision tower, projector, image features
                Map<String, float[]> probed = new HashMap<>();
                Probe probe = (key, data, shape) -> probed.put(key, Compare.read(data, 0, count(shape)));
                model.imageFeatures(pixelSegment, images, vws, features, probe);
                checkVision(expected, cfg, probed);
                checkIfPresent(expected, "projector_output", probed.get("multi_modal_projector"));
                checkIfPresent(expected, "image_features", Compare.read(features, 0, images * n * h));

                int[] ids = Compare.ints(expected.tensor("input_ids"));
                int[] trainIds = expected.find("train_input_ids").map(Compare::ints).orElse(new int[0]);
                Optional<Tensor> genIds = expected.find("gen_ids");
                int steps = genIds.map(t -> Math.toIntExact(t.dim(-1))).orElse(0);
                int maxRows = Math.max(ids.length, trainIds.length);
                try (DecoderWorkspace ws = model.newDecoderWorkspace(maxRows, Math.max(maxRows, ids.length + steps), maxRows)) {
                    checkPrefill(expected, model, ids, features, ws);
                    if (steps > 0) {
                        // the prefill above left the prompt in ws's cache; decode steps run in ws itself
                        greedy(model, new int[][] {ids}, new DecoderWorkspace[] {ws}, ws, steps,
                                expected.tensor("gen_logits"), Compare.longs(genIds.get()), "gen", false);
                    }
                    if (trainIds.length > 0) {
                        checkTraining(expected, model, trainIds, features, ws);
                    }
                }
                if (batchPixels.isPresent()) {
                    float[] batch = processor.preprocess(pictures);
                    add(Compare.bitwise("batch_pixel_values", batch, Compare.floats(batchPixels.get())));
                    MemorySegment.copy(batch, 0, pixelSegment, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, batch.length);
                    checkBatch(expected, model, pictures.size(), pixelSegment, vws, features);
                }
            }
        }
    }

    /** The case's pictures: expected.json names them (image.file, image2.file), else image.png, image2.png. */
    private List<RgbImage> readImages() throws IOException {
        return readImages(dir);
    }

    /** The pictures of the model case in {@code dir}. */
    static List<RgbImage> readImages(Path dir) throws IOException {
        List<String> names = new ArrayList<>(List.of("image.png", "image2.png"));
        Path json = dir.resolve("expected.json");
        if (Files.isRegularFile(json)) {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            names.set(0, root.path("image").path("file").asText("image.png"));
            names.set(1, root.path("image2").path("file").asText("image2.png"));
        }
        ImageDecoder decoder = new ImageDecoder();
        List<RgbImage> out = new ArrayList<>();
        for (String name : names) {
            Path file = dir.resolve(name);
            if (out.isEmpty() || Files.isRegularFile(file)) {
                out.add(decoder.read(file));
            }
        }
        return out;
    }

    private static int count(long[] shape) {
        long c = 1;
        for (long d : shape) {
            c *= d;
        }
        return Math.toIntExact(c);
    }

    private void checkIfPresent(SafetensorsFile expected, String key, float[] actual) {
        Optional<Tensor> e = expected.find(key);
        if (e.isPresent()) {
            add(actual == null ? CheckResult.failed(key, "not computed") : Compare.close(key, actual, Compare.floats(e.get())));
        }
    }

    private void checkVision(SafetensorsFile expected, PaliGemmaConfig cfg, Map<String, float[]> probed) {
        String p = SiglipVisionTransformer.PREFIX;
        checkIfPresent(expected, "vision_embeddings", probed.get(p + ".embeddings"));
        // hidden_states: [0] embeddings, [k] output of encoder layer k-1 (the last one before post_layernorm)
        List<float[]> states = new ArrayList<>();
        states.add(probed.get(p + ".embeddings"));
        for (int i = 0; i < cfg.visionConfig().numHiddenLayers(); i++) {
            states.add(probed.get(p + ".encoder.layers." + i));
        }
        checkIfPresent(expected, "vision_hidden_states", concat(states));
        checkIfPresent(expected, "vision_last_hidden_state", probed.get(p + ".post_layernorm"));
    }

    private void checkPrefill(SafetensorsFile expected, PaliGemmaForConditionalGeneration model, int[] ids,
                              MemorySegment features, DecoderWorkspace ws) {
        int h = model.config().textConfig().hiddenSize();
        int v = model.config().textConfig().vocabSize();
        int l = ids.length;
        model.embed(ids, 0, l, features, 0, ws);
        checkIfPresent(expected, "lm_inputs_embeds", Compare.read(ws.inputs(), 0, l * h));
        Map<String, float[]> probed = new HashMap<>();
        Probe probe = (key, data, shape) -> probed.put(key, Compare.read(data, 0, count(shape)));
        model.languageModel().forward(ws, 0, l, l, l, probe);
        // hidden_states: [0] inputs_embeds·normalizer, [k] output of layer k-1, last = after the final norm
        List<float[]> states = new ArrayList<>();
        String p = GemmaModel.PREFIX;
        states.add(probed.get(p + ".embed_tokens*normalizer"));
        for (int i = 0; i + 1 < model.config().textConfig().numHiddenLayers(); i++) {
            states.add(probed.get(p + ".layers." + i));
        }
        states.add(probed.get(p + ".norm"));
        checkIfPresent(expected, "lm_hidden_states", concat(states));
        add(Compare.close("logits_prefill", Compare.read(ws.logits(), 0, l * v), Compare.floats(expected.tensor("logits_prefill"))));
    }

    private void checkTraining(SafetensorsFile expected, PaliGemmaForConditionalGeneration model, int[] trainIds,
                               MemorySegment features, DecoderWorkspace ws) {
        int v = model.config().textConfig().vocabSize();
        int lt = trainIds.length;
        int[] types = expected.find("train_token_type_ids").map(Compare::ints).orElse(new int[lt]);
        int prefix = 0;
        while (prefix < lt && types[prefix] == 0) {
            prefix++;
        }
        if (expected.find("logits_train").isPresent()) {
            model.embed(trainIds, 0, lt, features, 0, ws);
            model.languageModel().forward(ws, 0, lt, prefix, lt, Probe.NONE);  // prefix-LM mask: causal after the prefix
            float[] logits = Compare.read(ws.logits(), 0, lt * v);
            add(Compare.close("logits_train", logits, Compare.floats(expected.tensor("logits_train"))));
            Optional<Tensor> labels = expected.find("train_labels");
            Optional<Tensor> loss = expected.find("loss_train");
            if (labels.isPresent() && loss.isPresent()) {
                float got = crossEntropy(logits, Compare.longs(labels.get()), v);
                add(Compare.close("loss_train", new float[] {got}, Compare.floats(loss.get())));
            }
        }
        if (expected.find("logits_same_ids_inference_mode").isPresent()) {
            model.embed(trainIds, 0, lt, features, 0, ws);
            model.languageModel().forward(ws, 0, lt, lt, lt, Probe.NONE);      // inference mask: all bidirectional
            add(Compare.close("logits_same_ids_inference_mode", Compare.read(ws.logits(), 0, lt * v),
                    Compare.floats(expected.tensor("logits_same_ids_inference_mode"))));
        }
    }

    /** Mean cross-entropy of logits[t] against labels[t+1], ignoring -100 (transformers' shifted loss). */
    private static float crossEntropy(float[] logits, long[] labels, int v) {
        double sum = 0;
        int count = 0;
        for (int t = 0; t + 1 < labels.length; t++) {
            long label = labels[t + 1];
            if (label == -100) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, logits[t * v + j]);
            }
            double z = 0;
            for (int j = 0; j < v; j++) {
                z += Math.exp(logits[t * v + j] - max);
            }
            sum += Math.log(z) + max - logits[t * v + (int) label];
            count++;
        }
        return (float) (sum / count);
    }

    /** Left-padded batch: each row is run alone on its real tokens, as a correct engine must (see the README). */
    private void checkBatch(SafetensorsFile expected, PaliGemmaForConditionalGeneration model, int images,
                            MemorySegment batchPixels, VisionWorkspace vws, MemorySegment features) {
        int n = model.config().numImageTokens();
        int v = model.config().textConfig().vocabSize();
        model.imageFeatures(batchPixels, images, vws, features, Probe.NONE);  // all images in one vision pass
        Tensor idsT = expected.tensor("batch_input_ids");
        int rows = Math.toIntExact(idsT.dim(0));
        int lb = Math.toIntExact(idsT.dim(1));
        int[] ids = Compare.ints(idsT);
        int[] mask = expected.find("batch_attention_mask").map(Compare::ints).orElse(filled(rows * lb));
        float[] prefill = expected.find("batch_logits_prefill").map(Compare::floats).orElse(null);
        Optional<Tensor> genIds = expected.find("batch_gen_ids");
        int steps = genIds.map(t -> Math.toIntExact(t.dim(-1))).orElse(0);
        long[] expectedIds = genIds.map(Compare::longs).orElse(new long[0]);
        // each row is prefilled alone (no padding), then all rows decode together: one forward per step
        // for the whole batch, each row attending to its own cache, as a serving engine batches requests
        int[][] real = new int[rows][];
        DecoderWorkspace[] seqs = new DecoderWorkspace[rows];
        int maxEnd = 1;
        try {
            for (int r = 0; r < rows; r++) {
                int pad = 0;
                while (pad < lb && mask[r * lb + pad] == 0) {
                    pad++;
                }
                real[r] = java.util.Arrays.copyOfRange(ids, r * lb + pad, (r + 1) * lb);
                seqs[r] = model.newDecoderWorkspace(real[r].length, real[r].length + Math.max(steps, 1), real[r].length);
                maxEnd = Math.max(maxEnd, real[r].length + Math.max(steps, 1));
                model.embed(real[r], 0, real[r].length, features, r * n, seqs[r]);
                model.languageModel().forward(seqs[r], 0, real[r].length, real[r].length, real[r].length, Probe.NONE);
                if (prefill != null) {
                    float[] exp = java.util.Arrays.copyOfRange(prefill, (r * lb + pad) * v, (r + 1) * lb * v);
                    add(Compare.close("batch_logits_prefill[" + r + "] (" + real[r].length + " real rows)",
                            Compare.read(seqs[r].logits(), 0, real[r].length * v), exp));
                }
            }
            if (steps > 0) {
                try (DecoderWorkspace act = DecoderWorkspace.forBatch(model.config().textConfig(), rows, maxEnd)) {
                    greedy(model, real, seqs, act, steps, expected.tensor("batch_gen_logits"), expectedIds, "batch_gen", true);
                }
            }
        } finally {
            for (DecoderWorkspace ws : seqs) {
                if (ws != null) {
                    ws.close();
                }
            }
        }
    }

    /**
     * Greedy decoding with the KV cache of prefilled sequences, all rows in lockstep (one forward per step
     * in {@code act}: the sequence's own workspace for one row, batch activations for several); every
     * step's logits are checked against [rows, steps, V] and the ids against [rows, steps].
     */
    private void greedy(PaliGemmaForConditionalGeneration model, int[][] prompts, DecoderWorkspace[] seqs,
                        DecoderWorkspace act, int steps, Tensor expectedLogits, long[] expectedIds, String name,
                        boolean indexed) {
        int rows = prompts.length;
        int v = model.config().textConfig().vocabSize();
        float[] all = Compare.floats(expectedLogits);
        long[][] got = new long[rows][steps];
        CheckResult[] firstFailure = new CheckResult[rows];
        for (int s = 0; s < steps; s++) {
            if (s > 0) {
                int[] tokens = new int[rows];
                KvSegment[] segments = new KvSegment[rows];
                for (int r = 0; r < rows; r++) {
                    tokens[r] = (int) got[r][s - 1];
                    segments[r] = new KvSegment(seqs[r], prompts[r].length + s - 1, 1, prompts[r].length);
                }
                model.embed(tokens, 0, rows, null, 0, act);
                model.languageModel().forward(act, segments, rows, Probe.NONE);
            }
            for (int r = 0; r < rows; r++) {
                // step 0 is the last prefill row of each sequence, later steps are row r of the batched step
                float[] logits = s == 0
                        ? Compare.read(seqs[r].logits(), (long) (prompts[r].length - 1) * v, v)
                        : Compare.read(act.logits(), (long) r * v, v);
                float[] exp = java.util.Arrays.copyOfRange(all, (r * steps + s) * v, (r * steps + s + 1) * v);
                CheckResult c = Compare.close(name + "_logits" + (indexed ? "[" + r + "]" : "") + "[" + s + "]", logits, exp);
                if (!c.passed() && firstFailure[r] == null) {
                    firstFailure[r] = c;
                }
                got[r][s] = Compare.argmax(logits, 0, v);
            }
        }
        for (int r = 0; r < rows; r++) {
            String row = indexed ? "[" + r + "]" : "";
            add(firstFailure[r] != null ? firstFailure[r] : new CheckResult(name + "_logits" + row, true,
                    "all " + steps + " steps within tolerance" + (rows > 1 ? " (batched decode)" : "")));
            add(Compare.exact(name + "_ids" + row, got[r],
                    java.util.Arrays.copyOfRange(expectedIds, r * steps, (r + 1) * steps)));
        }
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static float[] concat(List<float[]> parts) {
        int total = 0;
        for (float[] p : parts) {
            if (p == null) {
                return null;
            }
            total += p.length;
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
