package io.paligemma.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.detect.ParseProblem.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputParserTest {

    private static final String SEGS16 = "<seg001><seg002><seg003><seg004><seg005><seg006><seg007><seg008>"
            + "<seg009><seg010><seg011><seg012><seg013><seg014><seg015><seg016>";

    private static List<Kind> kinds(ParseResult r) {
        return r.problems().stream().map(ParseProblem::kind).toList();
    }

    @Test
    void detectionWithSeveralObjects() {
        String text = "<loc0100><loc0200><loc0300><loc0400> cat ; <loc0000><loc0000><loc1023><loc1023> big dog ; "
                + "<loc0512><loc0700><loc0513><loc0701> tiny";
        ParseResult r = OutputParser.parseDetections(text, 640, 480);
        assertEquals(List.of(), r.problems());
        assertEquals(3, r.objects().size());
        Detection cat = assertInstanceOf(Detection.class, r.objects().get(0));
        assertEquals("cat", cat.label());
        assertArrayEquals(new int[] {100, 200, 300, 400}, cat.loc());
        // by hand: 100/1023*480 = 46.92, 200/1023*640 = 125.12, 300/1023*480 = 140.76, 400/1023*640 = 250.24
        assertEquals(new Box(46, 125, 140, 250), cat.pixels());
        Detection dog = assertInstanceOf(Detection.class, r.objects().get(1));
        assertEquals("big dog", dog.label());
        // <loc1023> is the image edge with /1023 (the /1024-and-round convention would give 639 and 480)
        assertEquals(new Box(0, 0, 480, 640), dog.pixels());
        // 512/1023*480 = 240.23, 700/1023*640 = 437.93, 513/1023*480 = 240.70, 701/1023*640 = 438.56
        Detection tiny = assertInstanceOf(Detection.class, r.objects().get(2));
        assertEquals(new Box(240, 437, 240, 438), tiny.pixels());
        assertTrue(tiny.pixels().isEmpty(), "valid tokens, empty after truncation: kept, with an empty pixel box");
    }

    @Test
    void truncatedOutputKeepsTheCompleteGroups() {
        ParseResult r = OutputParser.parseDetections("<loc0100><loc0200><loc0300><loc0400> cat ; <loc0010><loc0020>", 100, 100);
        assertEquals(1, r.objects().size());
        assertEquals(List.of(Kind.TRUNCATED), kinds(r));
        assertEquals(36 + " cat ; ".length(), r.problems().getFirst().offset());
        assertEquals("<loc0010><loc0020>", r.problems().getFirst().fragment());

        ParseResult s = OutputParser.parseSegmentations("<loc0100><loc0200><loc0300><loc0400><seg001><seg002><seg003>", 100, 100);
        assertEquals(List.of(), s.objects());
        assertEquals(List.of(Kind.TRUNCATED), kinds(s));
    }

    @Test
    void outOfRangeValuesAreRejected() {
        ParseResult r = OutputParser.parseDetections("<loc1024><loc0000><loc0500><loc0500> cat ; <loc0001><loc0002><loc0600><loc0700> dog", 64, 64);
        assertEquals(List.of(Kind.LOC_OUT_OF_RANGE), kinds(r));
        assertEquals(1, r.objects().size());
        assertEquals("dog", r.objects().getFirst().label());

        String segs = SEGS16.replace("<seg016>", "<seg128>");
        ParseResult s = OutputParser.parseSegmentations("<loc0100><loc0200><loc0300><loc0400>" + segs + " cat", 64, 64);
        assertEquals(List.of(Kind.SEG_OUT_OF_RANGE), kinds(s));
        assertEquals(List.of(), s.objects());
    }

    @Test
    void garbageIsReportedAndNotParsed() {
        ParseResult r = OutputParser.parseDetections("I cannot see a cat in this picture.", 64, 64);
        assertEquals(List.of(), r.objects());
        assertEquals(List.of(Kind.GARBAGE), kinds(r));
        assertEquals("I cannot see a cat in this picture.", r.problems().getFirst().fragment());

        ParseResult lead = OutputParser.parseDetections("Sure: <loc0100><loc0200><loc0300><loc0400> cat", 64, 64);
        assertEquals(List.of(Kind.GARBAGE), kinds(lead));
        assertEquals(1, lead.objects().size());
        assertEquals("cat", lead.objects().getFirst().label());

        ParseResult empty = OutputParser.parseDetections("", 64, 64);
        assertEquals(List.of(), empty.objects());
        assertEquals(List.of(), empty.problems());
        assertEquals(List.of(Kind.EMPTY_GROUP, Kind.EMPTY_GROUP), kinds(OutputParser.parseDetections(" ; ; ", 64, 64)));
    }

    @Test
    void missingLabelKeepsTheObjectWithAnEmptyLabel() {
        ParseResult r = OutputParser.parseDetections("<loc0100><loc0200><loc0300><loc0400> ; <loc0100><loc0200><loc0300><loc0400> dog", 64, 64);
        assertEquals(List.of(), r.problems());
        assertEquals(List.of("", "dog"), r.objects().stream().map(DetectedObject::label).toList());
    }

    @Test
    void segmentationWithFifteenSegTokensIsRejected() {
        String fifteen = SEGS16.replace("<seg016>", "");
        String good = "<loc0000><loc0000><loc0400><loc0700>" + SEGS16 + " dog";
        ParseResult r = OutputParser.parseSegmentations("<loc0100><loc0200><loc0300><loc0400>" + fifteen + " cat ; " + good, 97, 71);
        assertEquals(List.of(Kind.WRONG_SEG_COUNT), kinds(r));
        assertEquals(1, r.objects().size());
        Segmentation dog = assertInstanceOf(Segmentation.class, r.objects().getFirst());
        assertEquals("dog", dog.label());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, dog.codes());
        assertEquals(new Box(0, 0, 27, 66), dog.pixels());   // the fixture's v3 box
    }

    @Test
    void otherMalformedGroups() {
        assertEquals(List.of(Kind.EMPTY_BOX),
                kinds(OutputParser.parseDetections("<loc0300><loc0200><loc0300><loc0400> cat", 64, 64)));
        assertEquals(List.of(Kind.EMPTY_BOX),
                kinds(OutputParser.parseDetections("<loc0300><loc0500><loc0400><loc0400> cat", 64, 64)));
        assertEquals(List.of(Kind.WRONG_LOC_COUNT),
                kinds(OutputParser.parseDetections("<loc0100><loc0200><loc0300> cat", 64, 64)));
        assertEquals(List.of(Kind.WRONG_LOC_COUNT),
                kinds(OutputParser.parseDetections("<loc0100><loc0200><loc0300><loc0400><loc0500> cat", 64, 64)));
        assertEquals(List.of(Kind.MALFORMED_TOKEN),
                kinds(OutputParser.parseDetections("<loc0100><loc12><loc0300><loc0400> cat", 64, 64)));
        assertEquals(List.of(Kind.UNEXPECTED_TOKEN),
                kinds(OutputParser.parseDetections("<loc0100><loc0200><loc0300><loc0400>" + SEGS16 + " cat", 64, 64)));
        assertEquals(List.of(Kind.UNEXPECTED_TOKEN),
                kinds(OutputParser.parseSegmentations("<loc0100><loc0200><seg001><loc0300><loc0400> cat", 64, 64)));
        assertEquals(List.of(Kind.WRONG_SEG_COUNT),
                kinds(OutputParser.parseSegmentations("<loc0100><loc0200><loc0300><loc0400> cat", 64, 64)));
    }

    @Test
    void missingSeparatorKeepsBothObjects() {
        ParseResult r = OutputParser.parseDetections(
                "<loc0100><loc0200><loc0300><loc0400> cat<loc0100><loc0200><loc0300><loc0400> dog", 64, 64);
        assertEquals(List.of("cat", "dog"), r.objects().stream().map(DetectedObject::label).toList());
        assertEquals(List.of(Kind.MISSING_SEPARATOR), kinds(r));
        // A malformed group is reported once, not also for the separator after it.
        ParseResult bad = OutputParser.parseDetections("<loc0100> cat<loc0100><loc0200><loc0300><loc0400> dog", 64, 64);
        assertEquals(List.of(Kind.WRONG_LOC_COUNT), kinds(bad));
        assertEquals(List.of("dog"), bad.objects().stream().map(DetectedObject::label).toList());
    }

    @Test
    void autoModeAndBadImageSize() {
        assertInstanceOf(Segmentation.class, OutputParser.parse("<loc0000><loc0000><loc0400><loc0700>" + SEGS16, 97, 71)
                .objects().getFirst());
        assertInstanceOf(Detection.class, OutputParser.parse("<loc0000><loc0000><loc0400><loc0700> x", 97, 71)
                .objects().getFirst());
        assertThrows(IllegalArgumentException.class, () -> OutputParser.parseDetections("x", 0, 10));
        assertThrows(IllegalArgumentException.class, () -> Box.fromLoc(new int[] {0, 0, 1024, 5}, 10, 10));
    }

    @Test
    void jsonRendering() throws Exception {
        ParseResult r = OutputParser.parseSegmentations(
                "<loc0000><loc0000><loc0400><loc0700>" + SEGS16 + " dog ; <loc1024>", 97, 71);
        BinaryMask mask = new BinaryMask(4, 2, new byte[] {1, 1, 0, 0, 0, 1, 1, 1});
        Segmentation s = ((Segmentation) r.objects().getFirst()).withMask(mask);
        r = new ParseResult(r.imageWidth(), r.imageHeight(), List.of(s), r.problems());
        JsonNode j = new ObjectMapper().readTree(ResultJson.toJson(r));
        assertEquals(97, j.at("/image/width").asInt());
        assertEquals("segmentation", j.at("/objects/0/type").asText());
        assertEquals("dog", j.at("/objects/0/label").asText());
        assertEquals(66, j.at("/objects/0/box/x1").asInt());
        assertEquals(16, j.at("/objects/0/codes").size());
        assertEquals(5, j.at("/objects/0/mask/ones").asInt());
        assertEquals("[0,2,3,3]", j.at("/objects/0/mask/rle").toString());
        assertEquals("TRUNCATED", j.at("/problems/0/kind").asText());
    }
}
