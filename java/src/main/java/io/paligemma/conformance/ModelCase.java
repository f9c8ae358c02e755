package io.paligemma.conformance;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.GemmaModel;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Ops;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.siglip.SiglipVisionTransformer;
import io.paligemma.siglip.VisionWorkspace;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
        } catch (RuntimeException e) {
            c.results.add(CheckResult.failed(c.name + "/error", e.toString()));
        }
        return c.results;
    }

    private void add(CheckResult r) {
        results.add(new CheckResult(name + "/" + r.name(), r.passed(), r.detail()));
    }

    private void runAll() {
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
             var model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), ops);
             Arena arena = Arena.ofShared()) {
            PaliGemmaConfig cfg = model.config();
            int n = cfg.numImageTokens();
            int h = cfg.textConfig().hiddenSize();
            Tensor pixels = expected.tensor("pixel_values");
            int images = Math.toIntExact(pixels.dim(0));
            Optional<Tensor> batchPixels = expected.find("batch_pixel_values");
            int maxImages = Math.max(images, batchPixels.map(t -> Math.toIntExact(t.dim(0))).orElse(1));
            MemorySegment features = arena.allocate((long) maxImages * n * h * Float.BYTES, 64);

            try (VisionWorkspace vws = model.newVisionWorkspace(maxImages)) {
                // vision tower, projector, image features
                Map<String, float[]> probed = new HashMap<>();
                Probe probe = (key, data, shape) -> probed.put(key, Compare.read(data, 0, count(shape)));
                model.imageFeatures(pixels.data(), images, vws, features, probe);
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
                        long[] got = greedy(model, ids, features, 0, steps, ws, expected.tensor("gen_logits"), 0, "gen_logits");
                        add(Compare.exact("gen_ids", got, Compare.longs(genIds.get())));
                    }
                    if (trainIds.length > 0) {
                        checkTraining(expected, model, trainIds, features, ws);
                    }
                }
                if (batchPixels.isPresent()) {
                    checkBatch(expected, model, batchPixels.get(), vws, features);
                }
            }
        }
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

    /**
     * Greedy decoding with the KV cache: prefill, then one token per step; every step's logits are
     * compared with row {@code row} of the expected [.., steps, V] tensor.
     */
    private long[] greedy(PaliGemmaForConditionalGeneration model, int[] ids, MemorySegment features, int featureRow,
                          int steps, DecoderWorkspace ws, Tensor expectedLogits, int row, String label) {
        int v = model.config().textConfig().vocabSize();
        float[] all = Compare.floats(expectedLogits);
        int l = ids.length;
        long[] out = new long[steps];
        model.embed(ids, 0, l, features, featureRow, ws);
        model.languageModel().forward(ws, 0, l, l, 1, Probe.NONE);
        CheckResult firstFailure = null;
        for (int s = 0; s < steps; s++) {
            if (s > 0) {
                model.embed(new int[] {(int) out[s - 1]}, 0, 1, null, 0, ws);          // the token chosen last step
                model.languageModel().forward(ws, l + s - 1, 1, l, 1, Probe.NONE);     // one decode step, cached K/V
            }
            float[] logits = Compare.read(ws.logits(), 0, v);
            float[] exp = java.util.Arrays.copyOfRange(all, (row * steps + s) * v, (row * steps + s + 1) * v);
            CheckResult r = Compare.close(label + "[" + s + "]", logits, exp);
            if (!r.passed() && firstFailure == null) {
                firstFailure = r;
            }
            out[s] = Compare.argmax(logits, 0, v);
        }
        add(firstFailure != null ? firstFailure : new CheckResult(label, true, "all " + steps + " steps within tolerance"));
        return out;
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
    private void checkBatch(SafetensorsFile expected, PaliGemmaForConditionalGeneration model, Tensor batchPixels,
                            VisionWorkspace vws, MemorySegment features) {
        int n = model.config().numImageTokens();
        int v = model.config().textConfig().vocabSize();
        int images = Math.toIntExact(batchPixels.dim(0));
        model.imageFeatures(batchPixels.data(), images, vws, features, Probe.NONE);  // both images in one vision pass
        Tensor idsT = expected.tensor("batch_input_ids");
        int rows = Math.toIntExact(idsT.dim(0));
        int lb = Math.toIntExact(idsT.dim(1));
        int[] ids = Compare.ints(idsT);
        int[] mask = expected.find("batch_attention_mask").map(Compare::ints).orElse(filled(rows * lb));
        float[] prefill = expected.find("batch_logits_prefill").map(Compare::floats).orElse(null);
        Optional<Tensor> genIds = expected.find("batch_gen_ids");
        int steps = genIds.map(t -> Math.toIntExact(t.dim(-1))).orElse(0);
        long[] expectedIds = genIds.map(Compare::longs).orElse(new long[0]);
        for (int r = 0; r < rows; r++) {
            int pad = 0;
            while (pad < lb && mask[r * lb + pad] == 0) {
                pad++;
            }
            int[] real = java.util.Arrays.copyOfRange(ids, r * lb + pad, (r + 1) * lb);
            try (DecoderWorkspace ws = model.newDecoderWorkspace(real.length, real.length + Math.max(steps, 1), real.length)) {
                if (prefill != null) {
                    model.embed(real, 0, real.length, features, r * n, ws);
                    model.languageModel().forward(ws, 0, real.length, real.length, real.length, Probe.NONE);
                    float[] exp = java.util.Arrays.copyOfRange(prefill, (r * lb + pad) * v, (r + 1) * lb * v);
                    add(Compare.close("batch_logits_prefill[" + r + "] (" + real.length + " real rows)",
                            Compare.read(ws.logits(), 0, real.length * v), exp));
                }
                if (steps > 0) {
                    long[] got = greedy(model, real, features, r * n, steps, ws, expected.tensor("batch_gen_logits"), r,
                            "batch_gen_logits[" + r + "]");
                    add(Compare.exact("batch_gen_ids[" + r + "]", got,
                            java.util.Arrays.copyOfRange(expectedIds, r * steps, (r + 1) * steps)));
                }
            }
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
