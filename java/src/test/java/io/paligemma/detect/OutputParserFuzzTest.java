package io.paligemma.detect;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the {@code <loc>}/{@code <seg>} answer parser (what {@code paligemma parse} and detect/segment read
 * from the model, i.e. from text a model or a user wrote). It never throws for a positive image size, and
 * everything it returns is consistent: each problem quotes the text at its offset, every object has 4 loc
 * values in 0..1023 (16 seg codes in 0..127 for a mask) and a box inside the picture.
 * Seeds: {@code OutputParserFuzzTestInputs/answer}, the fixtures' answers and malformed variants.
 */
class OutputParserFuzzTest {

    /** The input is the answer's UTF-8 text (the seeds are plain text files); parsed both ways at two sizes. */
    @FuzzTest
    void answer(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        for (int[] size : new int[][] {{1, 1}, {4032, 3024}}) {
            check(OutputParser.parseDetections(text, size[0], size[1]), text, size[0], size[1]);
            check(OutputParser.parseSegmentations(text, size[0], size[1]), text, size[0], size[1]);
        }
    }

    private static void check(ParseResult r, String text, int width, int height) {
        for (ParseProblem p : r.problems()) {
            check(p.offset() >= 0 && text.startsWith(p.fragment(), p.offset()), "problem does not quote the text: " + p);
            check(!p.message().isBlank() && p.message().indexOf('\n') < 0, "problem message: " + p);
        }
        for (DetectedObject o : r.objects()) {
            int[] loc = o.loc();
            check(loc.length == 4, "loc count: " + o);
            for (int v : loc) {
                check(v >= 0 && v <= Box.LOC_MAX, "loc value: " + o);
            }
            Box b = o.pixels();
            check(b.y0() >= 0 && b.y1() <= height && b.x0() >= 0 && b.x1() <= width, "box outside the picture: " + o);
            check(text.contains(o.label()), "label not from the text: " + o);
            if (o instanceof Segmentation s) {
                check(s.codes().length == VqVaeMaskDecoder.CODES, "seg count: " + o);
                for (int c : s.codes()) {
                    check(c >= 0 && c < VqVaeMaskDecoder.CODEBOOK_SIZE, "seg code: " + o);
                }
            }
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
