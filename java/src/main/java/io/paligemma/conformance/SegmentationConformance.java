package io.paligemma.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.detect.Box;
import io.paligemma.detect.MaskPostprocess;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.detect.BinaryMask;
import io.paligemma.detect.Segmentation;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs the segmentation fixture format ({@code cases.json}, {@code expected.safetensors}, the decoder
 * weights as {@code .safetensors} and {@code .npz}) through the whole pipeline: parse the answer text,
 * decode the 64×64 logits, resize into the box, threshold, paste. Tolerances are the fixture README's:
 * logits64 and act.* within 1e-4 × max|expected|, box_logits within 1e-4 × max|expected logits64|, the
 * mask exact except where |expected box logit| ≤ 1e-4, box pixels exact, and the .npz weights giving
 * bit-identical logits to the .safetensors ones.
 */
public final class SegmentationConformance {

    static final double REL_TOL = 1e-4;
    static final double MASK_EPS = 1e-4;
    private static final String EXPECTED = "expected.safetensors";

    private SegmentationConformance() {
    }

    /** All checks for the fixture directory {@code dir}; problems reading it become failed checks, not exceptions. */
    public static List<CheckResult> run(Path dir) {
        List<CheckResult> out = new ArrayList<>();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
        } catch (IOException e) {
            out.add(new CheckResult("cases.json", false, "cannot read " + dir.resolve("cases.json") + ": " + e.getMessage()));
            return out;
        }
        Path weights;
        VqVaeMaskDecoder decoder;
        try {
            weights = weightsFile(dir, root);
            decoder = VqVaeMaskDecoder.load(weights);
        } catch (IOException e) {
            out.add(new CheckResult("weights", false, e.getMessage()));
            return out;
        }
        Map<String, float[]> logitsByCase = new HashMap<>();
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve(EXPECTED))) {
            for (JsonNode c : root.path("cases")) {
                try {
                    runCase(c, decoder, expected, out, logitsByCase);
                } catch (RuntimeException e) {
                    out.add(new CheckResult(c.path("name").asText("?"), false, "cannot run case: " + e));
                }
            }
        } catch (RuntimeException e) {
            out.add(new CheckResult(EXPECTED, false, e.getMessage()));
        }
        out.add(otherFormatCheck(dir, root, weights, logitsByCase));
        return out;
    }

    private static void runCase(JsonNode c, VqVaeMaskDecoder decoder, SafetensorsFile expected, List<CheckResult> out,
                                Map<String, float[]> logitsByCase) {
        String name = c.path("name").asText();
        int width = c.path("image_width").asInt();
        int height = c.path("image_height").asInt();
        Map<String, String> tensors = new LinkedHashMap<>();   // cases.json order, so reports are stable
        c.path("tensors").properties().forEach(e -> tensors.put(e.getKey(), e.getValue().asText()));

        ParseResult parsed = OutputParser.parseSegmentations(c.path("text").asText(), width, height);
        int[] loc = ints(c.path("loc_tokens"));
        int[] codes = ints(c.path("codes"));
        boolean oneObject = parsed.objects().size() == 1 && parsed.problems().isEmpty();
        Segmentation seg = oneObject ? (Segmentation) parsed.objects().getFirst() : null;
        boolean tokensOk = seg != null && Arrays.equals(seg.loc(), loc) && Arrays.equals(seg.codes(), codes);
        out.add(new CheckResult(name + "/tokens", tokensOk, seg == null
                ? "parse gave " + parsed.objects().size() + " objects, problems " + parsed.problems()
                : "loc " + Arrays.toString(seg.loc()) + " codes " + Arrays.toString(seg.codes())));
        if (seg == null) {
            return;
        }
        JsonNode bp = c.path("box_pixels");
        Box want = new Box(bp.path("y1").asInt(), bp.path("x1").asInt(), bp.path("y2").asInt(), bp.path("x2").asInt());
        out.add(new CheckResult(name + "/box_pixels", seg.pixels().equals(want), "got " + seg.pixels() + ", expected " + want));

        Map<String, float[]> acts = new HashMap<>();
        float[] logits = decoder.logits64(seg.codes(), acts::put);
        logitsByCase.put(name, logits);
        float[] expLogits = floats(expected, tensors.getOrDefault("logits64", name + ".logits64"), DType.F32);
        double scale = ArrayComparison.maxAbs(expLogits);
        out.add(ArrayComparison.within(name + "/logits64", logits, expLogits, REL_TOL, scale, "max|expected|"));
        for (var e : tensors.entrySet()) {
            if (e.getKey().startsWith("act.")) {
                float[] exp = floats(expected, e.getValue(), DType.F32);
                float[] got = acts.getOrDefault(e.getKey(), new float[0]);
                out.add(ArrayComparison.within(name + "/" + e.getKey(), got, exp, REL_TOL, ArrayComparison.maxAbs(exp),
                        "max|expected|"));
            }
        }

        float[] boxLogits = MaskPostprocess.boxLogits(logits, seg.pixels());
        float[] expBoxLogits = new float[0];
        if (tensors.containsKey("box_logits")) {
            expBoxLogits = floats(expected, tensors.get("box_logits"), DType.F32);
            out.add(ArrayComparison.within(name + "/box_logits", boxLogits, expBoxLogits, REL_TOL, scale,
                    "max|expected logits64|"));
        } else {
            out.add(new CheckResult(name + "/box_logits", boxLogits.length == 0,
                    "no expected box_logits (empty box); ours has " + boxLogits.length + " values"));
        }
        BinaryMask mask = MaskPostprocess.paste(boxLogits, seg.pixels(), width, height);
        Tensor expMask = expected.tensor(tensors.getOrDefault("mask", name + ".mask"));
        if (expMask.dtype() != DType.U8) {
            throw new IllegalArgumentException(expMask + ": mask must be U8");
        }
        expMask.expectShape(height, width);
        out.add(ArrayComparison.maskMatches(name + "/mask", mask.data(), expMask.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                expBoxLogits, seg.pixels(), width, MASK_EPS));
    }

    /** The same cases decoded with the weights in the other format must give bit-identical logits. */
    private static CheckResult otherFormatCheck(Path dir, JsonNode root, Path weights, Map<String, float[]> logitsByCase) {
        String ext = weights.toString().endsWith(".npz") ? ".safetensors" : ".npz";
        String name = "weights/" + ext.substring(1) + "_vs_" + (ext.equals(".npz") ? "safetensors" : "npz");
        Optional<Path> other = otherFormat(dir, weights, ext);
        if (other.isEmpty()) {
            return new CheckResult(name, false, "no " + ext + " copy of " + weights.getFileName() + " in " + dir);
        }
        VqVaeMaskDecoder decoder;
        try {
            decoder = VqVaeMaskDecoder.load(other.get());
        } catch (IOException e) {
            return new CheckResult(name, false, e.getMessage());
        }
        int differing = 0;
        int compared = 0;
        for (JsonNode c : root.path("cases")) {
            float[] ref = logitsByCase.get(c.path("name").asText());
            if (ref == null) {
                continue;
            }
            CheckResult r = ArrayComparison.identical(name, decoder.logits64(ints(c.path("codes"))), ref);
            differing += r.passed() ? 0 : 1;
            compared++;
        }
        return new CheckResult(name, compared > 0 && differing == 0, other.get().getFileName() + " vs "
                + weights.getFileName() + ": logits64 bit-identical in " + (compared - differing) + " of " + compared + " cases");
    }

    /** The weights named by cases.json's "weights_file" (first word), else the one *.safetensors besides expected. */
    static Path weightsFile(Path dir, JsonNode root) throws IOException {
        String named = root.path("weights_file").asText("").strip().split("[\\s(]", 2)[0];
        if ((named.endsWith(".safetensors") || named.endsWith(".npz")) && Files.isRegularFile(dir.resolve(named))) {
            return dir.resolve(named);
        }
        List<Path> found = list(dir, ".safetensors");
        if (found.size() != 1) {
            throw new IOException(dir + ": cannot tell the weights file: cases.json names '" + named + "' and there are "
                    + found.size() + " .safetensors files besides " + EXPECTED);
        }
        return found.getFirst();
    }

    private static Optional<Path> otherFormat(Path dir, Path weights, String ext) {
        String base = weights.getFileName().toString().replaceFirst("\\.(npz|safetensors)$", "");
        Path sibling = dir.resolve(base + ext);
        if (Files.isRegularFile(sibling)) {
            return Optional.of(sibling);
        }
        try {
            List<Path> found = list(dir, ext);
            return found.size() == 1 ? Optional.of(found.getFirst()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Path> list(Path dir, String ext) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(ext) && !p.getFileName().toString().equals(EXPECTED))
                    .sorted().toList();
        }
    }

    private static float[] floats(SafetensorsFile f, String name, DType dtype) {
        Tensor t = f.tensor(name);
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(t + ": expected " + dtype);
        }
        return VqVaeMaskDecoder.toFloats(t.data());
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}
