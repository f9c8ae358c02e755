package io.paligemma.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.api.Result;
import io.paligemma.detect.BinaryMask;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.Segmentation;
import io.paligemma.detect.VqVaeMaskDecoder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The objects column: boxes, codes and masks (PNG and run lengths) of parsed detect / segment answers. */
class ObjectColumnsTest {
    private static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures"), "segmentation");

    /** The fixture's first case: its answer text, decoded with the fixture's random VQ-VAE. */
    @Test
    void segmentationObjectCarriesBoxCodesAndTheMaskAsPngAndRunLengths() throws Exception {
        JsonNode c = new ObjectMapper().readTree(FIXTURES.resolve("cases.json").toFile()).get("cases").get(0);
        int w = c.get("image_width").asInt();
        int h = c.get("image_height").asInt();
        VqVaeMaskDecoder vae = VqVaeMaskDecoder.load(FIXTURES.resolve("vae-oid-random.npz"));
        ParseResult parsed = vae.decodeAll(OutputParser.parseSegmentations(c.get("text").asText() + " cat", w, h));
        Segmentation s = (Segmentation) parsed.objects().get(0);
        Row row = ObjectColumns.object(s);

        assertEquals("cat", row.getAs("label"));
        JsonNode box = c.get("box_pixels");
        assertEquals(box.get("y1").asInt(), (int) row.<Integer>getAs("y0"));
        assertEquals(box.get("x1").asInt(), (int) row.<Integer>getAs("x0"));
        assertEquals(box.get("y2").asInt(), (int) row.<Integer>getAs("y1"));
        assertEquals(box.get("x2").asInt(), (int) row.<Integer>getAs("x1"));
        int[] codes = new ObjectMapper().treeToValue(c.get("codes"), int[].class);
        assertArrayEquals(codes, row.getAs("codes"));
        assertArrayEquals(new ObjectMapper().treeToValue(c.get("loc_tokens"), int[].class), row.getAs("loc"));

        BinaryMask mask = s.mask();
        assertEquals(c.get("mask_ones").asInt(), mask.ones(), "the fixture's count of mask pixels");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(row.getAs("mask_png")));
        assertEquals(w, png.getWidth());
        assertEquals(h, png.getHeight());
        int[] rle = row.getAs("mask_rle");
        byte[] fromRle = new byte[w * h];
        int at = 0;
        for (int i = 0; i < rle.length; i++) {
            for (int k = 0; k < rle[i]; k++) {
                fromRle[at++] = (byte) (i % 2);         // runs alternate 0, 1, 0, ... from a 0-run
            }
        }
        assertEquals(w * h, at, "run lengths cover the picture");
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int grey = png.getRaster().getSample(x, y, 0);
                assertEquals(mask.get(x, y) ? 255 : 0, grey, "PNG pixel " + x + "," + y);
                assertEquals(mask.get(x, y) ? 1 : 0, (int) fromRle[y * w + x], "run-length pixel " + x + "," + y);
            }
        }
    }

    @Test
    void detectionObjectHasNoCodesNorMask() {
        ParseResult parsed = OutputParser.parseDetections("<loc0000><loc0512><loc1023><loc1023> dog", 200, 100);
        Row row = ObjectColumns.object(parsed.objects().get(0));
        assertEquals("dog", row.getAs("label"));
        assertEquals(0, (int) row.<Integer>getAs("y0"));
        assertEquals(100, (int) row.<Integer>getAs("x0"));     // 512/1023·200, truncated
        assertEquals(100, (int) row.<Integer>getAs("y1"));
        assertEquals(200, (int) row.<Integer>getAs("x1"));
        assertNull(row.getAs("codes"));
        assertNull(row.getAs("mask_png"));
        assertNull(row.getAs("mask_rle"));
    }

    /** segment through Spark with the VQ-VAE set: the objects are the library's answer parsed and decoded. */
    @Test
    void segmentTaskThroughSparkMatchesTheLibrary() throws Exception {
        SparkFixtures fx = SparkFixtures.get();
        Path vaePath = FIXTURES.resolve("vae-oid-random.npz");
        PaliGemmaTransformer t = fx.transformer().setTask("segment").setPrompt("segment cat").setMaxTokens(24)
                .setMaskDecoderPath(vaePath.toString()).setNameCol("path");
        Dataset<Row> images = fx.spark.read().format("binaryFile").load(fx.goodDir.toString()).limit(2);
        List<Row> rows = t.transform(images).collectAsList();
        assertEquals(2, rows.size());
        VqVaeMaskDecoder vae = VqVaeMaskDecoder.load(vaePath);
        for (Row r : rows) {
            assertNull(r.getAs("error"));
            String uri = r.getAs("path");
            Path file = fx.goodDir.resolve(uri.substring(uri.lastIndexOf('/') + 1));
            Result want = SparkFixtures.library(t.modelSpec(), List.of(file), List.of("segment cat"), 24).get(0);
            BufferedImage img = ImageIO.read(file.toFile());
            ParseResult parsed = vae.decodeAll(OutputParser.parseSegmentations(want.text(), img.getWidth(), img.getHeight()));
            assertEquals(want.text(), r.<String>getAs("answer"));
            List<Row> objects = r.getList(r.fieldIndex("objects"));
            assertNotNull(objects);
            assertEquals(parsed.objects().size(), objects.size());
            for (int i = 0; i < objects.size(); i++) {
                assertSameObject(ObjectColumns.object(parsed.objects().get(i)), objects.get(i));
            }
            assertEquals(List.of(ObjectColumns.problems(parsed)), r.getList(r.fieldIndex("problems")));
        }
    }

    /** An object as {@link ObjectColumns#object} makes it (Java arrays) against one Spark collected (lists). */
    static void assertSameObject(Row want, Row got) {
        for (String f : List.of("label", "y0", "x0", "y1", "x1")) {
            assertEquals((Object) want.getAs(f), got.getAs(f), f);
        }
        for (String f : List.of("loc", "codes", "mask_rle")) {
            int[] w = want.getAs(f);
            assertArrayEquals(w, got.isNullAt(got.fieldIndex(f)) ? null : toInts(got.getList(got.fieldIndex(f))), f);
        }
        assertArrayEquals((byte[]) want.getAs("mask_png"), (byte[]) got.getAs("mask_png"), "mask_png");
    }

    private static int[] toInts(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
