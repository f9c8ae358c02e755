package io.paligemma.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON rendering of a {@link ParseResult}:
 * <pre>{"image": {"width", "height"},
 *  "objects": [{"type": "detection"|"segmentation", "label", "loc": [y0,x0,y1,x1],
 *               "box": {"y0","x0","y1","x1"}, "codes": [16], "mask": {"ones", "rle": [...]}}],
 *  "problems": [{"kind", "offset", "fragment", "message"}]}</pre>
 * {@code box} is half-open in pixels. {@code mask.rle} is present once a mask was decoded: run lengths
 * over the row-major H×W mask, alternating 0-runs and 1-runs, starting with a (possibly empty) 0-run.
 */
public final class ResultJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultJson() {
    }

    public static ObjectNode toTree(ParseResult r) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode image = root.putObject("image");
        image.put("width", r.imageWidth());
        image.put("height", r.imageHeight());
        ArrayNode objects = root.putArray("objects");
        for (DetectedObject o : r.objects()) {
            ObjectNode n = objects.addObject();
            n.put("type", o instanceof Segmentation ? "segmentation" : "detection");
            n.put("label", o.label());
            ints(n.putArray("loc"), o.loc());
            Box b = o.pixels();
            ObjectNode box = n.putObject("box");
            box.put("y0", b.y0());
            box.put("x0", b.x0());
            box.put("y1", b.y1());
            box.put("x1", b.x1());
            if (o instanceof Segmentation s) {
                ints(n.putArray("codes"), s.codes());
                if (s.mask() != null) {
                    ObjectNode m = n.putObject("mask");
                    m.put("ones", s.mask().ones());
                    ints(m.putArray("rle"), s.mask().runLengths());
                }
            }
        }
        ArrayNode problems = root.putArray("problems");
        for (ParseProblem p : r.problems()) {
            ObjectNode n = problems.addObject();
            n.put("kind", p.kind().name());
            n.put("offset", p.offset());
            n.put("fragment", p.fragment());
            n.put("message", p.message());
        }
        return root;
    }

    public static String toJson(ParseResult r) {
        try {
            return MAPPER.writeValueAsString(toTree(r));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("JSON rendering of a tree cannot fail", e);
        }
    }

    private static void ints(ArrayNode a, int[] v) {
        for (int x : v) {
            a.add(x);
        }
    }
}
