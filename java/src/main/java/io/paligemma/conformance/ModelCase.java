package io.paligemma.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.GemmaModel;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Ops;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.siglip.SiglipVisionTransformer;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.Tensor;
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
             var model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), ops)) {
            PaliGemmaConfig cfg = model.config();
            // image → image_resized_u8 → pixel_values with our own decoder and Pillow-exact resize
            SiglipImageProcessor processor = SiglipImageProcessor.fromPretrained(dir.resolve("checkpoint"));
            List<RgbImage> pictures = readImages();
            RgbImage first = pictures.get(0);
            expected.find("image_resized_u8").ifPresent(e -> add(Compare.exactBytes("image_resized_u8",
                    processor.resized(first).rgb(), e)));
            float[] pixels = processor.preprocess(first);
            add(Compare.bitwise("pixel_values", pixels, Compare.floats(expected.tensor("pixel_values"))));

            int[] ids = Compare.ints(expected.tensor("input_ids"));
            int[] trainIds = expected.find("train_input_ids").map(Compare::ints).orElse(new int[0]);
            Optional<Tensor> genIds = expected.find("gen_ids");
            int steps = genIds.map(t -> Math.toIntExact(t.dim(-1))).orElse(0);
            int maxRows = Math.max(ids.length, trainIds.length);
            try (PromptWorkspace ws = new PromptWorkspace(model, maxRows, Math.max(maxRows, ids.length + steps), maxRows)) {
                // the case's request through the request pipeline, every stage probed: vision tower, projector,
                // image features, prefill (the logits of every prompt row), then the greedy steps
                Map<String, float[]> probed = new HashMap<>();
                Probe probe = (key, data, shape) -> probed.put(key, Compare.read(data, 0, count(shape)));
                StepRecorder greedy = new StepRecorder(null);
                try (Sequence seq = new Sequence(model, pixels, ids, ids.length, generation(Math.max(steps, 1)),
                        Sequence.Goal.TOKENS, greedy, TokenListener.NONE)) {
                    Prefill prefill = new Prefill(model, seq, ws, probe, ids.length);
                    prefill.runToEnd();
                    checkVision(expected, cfg, probed);
                    checkIfPresent(expected, "projector_output", probed.get("multi_modal_projector"));
                    checkIfPresent(expected, "image_features", probed.get("image_features"));
                    checkPrefill(expected, model, ids, probed, ws);
                    if (steps > 0) {
                        DecodeStep.untilDone(model, List.of(seq), ws.decoder());
                        checkSteps(model, List.of(greedy), steps, expected.tensor("gen_logits"), Compare.longs(genIds.get()),
                                "gen", false);
                    }
                    if (trainIds.length > 0) {
                        checkTraining(expected, model, pixels, trainIds, prefill.features(), ws);
                    }
                }
            }
            Optional<Tensor> batchPixels = expected.find("batch_pixel_values");
            if (batchPixels.isPresent()) {
                float[] batch = processor.preprocess(pictures);
                add(Compare.bitwise("batch_pixel_values", batch, Compare.floats(batchPixels.get())));
                checkBatch(expected, model, batch, pictures.size());
            }
        }
    }

    /** Greedy generation of {@code tokens} tokens that eos does not end (the reference ran a fixed count). */
    private static GenerationConfig generation(int tokens) {
        return new GenerationConfig(tokens, SamplingConfig.GREEDY, false, List.of());
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
                              Map<String, float[]> probed, PromptWorkspace ws) {
        int v = model.config().textConfig().vocabSize();
        int l = ids.length;
        checkIfPresent(expected, "lm_inputs_embeds", probed.get("lm_inputs_embeds"));
        // hidden_states: [0] inputs_embeds·normalizer, [k] output of layer k-1, last = after the final norm
        List<float[]> states = new ArrayList<>();
        String p = GemmaModel.PREFIX;
        states.add(probed.get(p + ".embed_tokens*normalizer"));
        for (int i = 0; i + 1 < model.config().textConfig().numHiddenLayers(); i++) {
            states.add(probed.get(p + ".layers." + i));
        }
        states.add(probed.get(p + ".norm"));
        checkIfPresent(expected, "lm_hidden_states", concat(states));
        add(Compare.close("logits_prefill", Compare.read(ws.decoder().logits().data(), 0, l * v),
                Compare.floats(expected.tensor("logits_prefill"))));
    }

    /**
     * The training layout (prefix-LM mask: causal after the prefix) and the same ids with the inference mask
     * (all bidirectional), each the prompt side of a request whose prefix length says which mask it gets.
     */
    private void checkTraining(SafetensorsFile expected, PaliGemmaForConditionalGeneration model, float[] pixels,
                               int[] trainIds, FloatMatrix features, PromptWorkspace ws) {
        int v = model.config().textConfig().vocabSize();
        int lt = trainIds.length;
        int[] types = expected.find("train_token_type_ids").map(Compare::ints).orElse(new int[lt]);
        int prefix = 0;
        while (prefix < lt && types[prefix] == 0) {
            prefix++;
        }
        if (expected.find("logits_train").isPresent()) {
            float[] logits = promptLogits(model, pixels, trainIds, prefix, features, ws);
            add(Compare.close("logits_train", logits, Compare.floats(expected.tensor("logits_train"))));
            Optional<Tensor> labels = expected.find("train_labels");
            Optional<Tensor> loss = expected.find("loss_train");
            if (labels.isPresent() && loss.isPresent()) {
                float got = crossEntropy(logits, Compare.longs(labels.get()), v);
                add(Compare.close("loss_train", new float[] {got}, Compare.floats(loss.get())));
            }
        }
        if (expected.find("logits_same_ids_inference_mode").isPresent()) {
            add(Compare.close("logits_same_ids_inference_mode", promptLogits(model, pixels, trainIds, lt, features, ws),
                    Compare.floats(expected.tensor("logits_same_ids_inference_mode"))));
        }
    }

    /** The logits of every row of a prompt with a given prefix length, on image features computed before. */
    private static float[] promptLogits(PaliGemmaForConditionalGeneration model, float[] pixels, int[] ids, int prefix,
                                        FloatMatrix features, PromptWorkspace ws) {
        int v = model.config().textConfig().vocabSize();
        try (Sequence seq = new Sequence(model, pixels, ids, prefix, generation(1), Sequence.Goal.TOKENS,
                new StepRecorder(null), TokenListener.NONE)) {
            Prefill prefill = new Prefill(model, seq, ws, Probe.NONE, ids.length);
            prefill.useFeatures(features);
            prefill.runToEnd();
            return Compare.read(ws.decoder().logits().data(), 0, ids.length * v);
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

    /**
     * Left-padded batch: each row is a request of its own on its real tokens and its own picture, as a
     * correct engine must run it (see the README): each prompt side alone, then every row's decode steps
     * together, one forward per step for the whole batch, each row attending to its own cache.
     */
    private void checkBatch(SafetensorsFile expected, PaliGemmaForConditionalGeneration model, float[] batchPixels,
                            int images) {
        int v = model.config().textConfig().vocabSize();
        Tensor idsT = expected.tensor("batch_input_ids");
        int rows = Math.toIntExact(idsT.dim(0));
        int lb = Math.toIntExact(idsT.dim(1));
        int[] ids = Compare.ints(idsT);
        int[] mask = expected.find("batch_attention_mask").map(Compare::ints).orElse(filled(rows * lb));
        float[] prefill = expected.find("batch_logits_prefill").map(Compare::floats).orElse(null);
        Optional<Tensor> genIds = expected.find("batch_gen_ids");
        int steps = genIds.map(t -> Math.toIntExact(t.dim(-1))).orElse(0);
        long[] expectedIds = genIds.map(Compare::longs).orElse(new long[0]);
        int perImage = batchPixels.length / images;
        List<Sequence> seqs = new ArrayList<>();
        List<StepRecorder> recorders = new ArrayList<>();
        try (PromptWorkspace ws = new PromptWorkspace(model, lb, lb + Math.max(steps, 1), lb);
             DecoderWorkspace act = model.newDecoderWorkspace(rows, lb + Math.max(steps, 1), rows)) {
            for (int r = 0; r < rows; r++) {
                int pad = 0;
                while (pad < lb && mask[r * lb + pad] == 0) {
                    pad++;
                }
                int[] real = java.util.Arrays.copyOfRange(ids, r * lb + pad, (r + 1) * lb);
                float[] pixels = java.util.Arrays.copyOfRange(batchPixels, (r % images) * perImage, (r % images + 1) * perImage);
                StepRecorder greedy = new StepRecorder(null);
                recorders.add(greedy);
                Sequence seq = new Sequence(model, pixels, real, real.length, generation(Math.max(steps, 1)),
                        Sequence.Goal.TOKENS, greedy, TokenListener.NONE);
                seqs.add(seq);
                new Prefill(model, seq, ws, Probe.NONE, real.length).runToEnd();
                if (prefill != null) {
                    float[] exp = java.util.Arrays.copyOfRange(prefill, (r * lb + pad) * v, (r + 1) * lb * v);
                    add(Compare.close("batch_logits_prefill[" + r + "] (" + real.length + " real rows)",
                            Compare.read(ws.decoder().logits().data(), 0, real.length * v), exp));
                }
            }
            if (steps > 0) {
                DecodeStep.untilDone(model, seqs, act);
                checkSteps(model, recorders, steps, expected.tensor("batch_gen_logits"), expectedIds, "batch_gen", true);
            }
        } finally {
            seqs.forEach(Sequence::close);
        }
    }

    /**
     * Every step's logits of the greedy requests against [rows, steps, V] (step 0 is the prompt's last row),
     * and their greedy ids against [rows, steps].
     */
    private void checkSteps(PaliGemmaForConditionalGeneration model, List<StepRecorder> recorders, int steps,
                            Tensor expectedLogits, long[] expectedIds, String name, boolean indexed) {
        int v = model.config().textConfig().vocabSize();
        float[] all = Compare.floats(expectedLogits);
        for (int r = 0; r < recorders.size(); r++) {
            StepRecorder rec = recorders.get(r);
            String row = indexed ? "[" + r + "]" : "";
            CheckResult firstFailure = null;
            for (int s = 0; s < steps && firstFailure == null; s++) {
                float[] exp = java.util.Arrays.copyOfRange(all, (r * steps + s) * v, (r * steps + s + 1) * v);
                CheckResult c = s < rec.steps() ? Compare.close(name + "_logits" + row + "[" + s + "]", rec.logits(s), exp)
                        : CheckResult.failed(name + "_logits" + row + "[" + s + "]", "the request ended after " + rec.steps() + " steps");
                if (!c.passed()) {
                    firstFailure = c;
                }
            }
            add(firstFailure != null ? firstFailure : new CheckResult(name + "_logits" + row, true,
                    "all " + steps + " steps within tolerance" + (recorders.size() > 1 ? " (batched decode)" : "")));
            long[] got = java.util.Arrays.copyOf(rec.argmaxes(), steps);
            add(Compare.exact(name + "_ids" + row, got, java.util.Arrays.copyOfRange(expectedIds, r * steps, (r + 1) * steps)));
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
