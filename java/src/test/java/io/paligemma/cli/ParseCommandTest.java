package io.paligemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ParseCommandTest {
    static final java.nio.file.Path SEGMENTATION = java.nio.file.Path.of(
            System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures")).resolve("segmentation");
    static final java.nio.file.Path SEG_NPZ = SEGMENTATION.resolve("vae-oid-random.npz");
    static final java.nio.file.Path SEG_ST = SEGMENTATION.resolve("vae-oid-random.safetensors");


    // The fixture's v3 case: 97×71 image, box [0,27)×[0,66), 1157 mask pixels.
    private static final String V3 = "<loc0000><loc0000><loc0400><loc0700><seg003><seg003><seg003><seg003><seg090>"
            + "<seg090><seg090><seg090><seg000><seg127><seg000><seg127><seg064><seg065><seg066><seg067> blob";

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ParseCommand());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setParameterExceptionHandler(Errors::onBadUsage);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void detectionToJson() throws IOException {
        Run r = run("<loc0100><loc0200><loc0300><loc0400> cat ; <loc1024>", "--width", "640", "--height", "480");
        assertEquals(0, r.exit, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertEquals("cat", j.at("/objects/0/label").asText());
        assertEquals(125, j.at("/objects/0/box/x0").asInt());
        assertEquals("TRUNCATED", j.at("/problems/0/kind").asText());
    }

    @Test
    void segmentationWithWeightsAndDrawing() throws IOException {
        Path in = tmp.resolve("in.png");
        BufferedImage img = new BufferedImage(97, 71, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(img, "png", in.toFile());
        Path out = tmp.resolve("sub/out.png");
        Run r = run(V3, "--draw", in.toString(), "--out", out.toString(),
                "--seg-weights", SEG_NPZ.toString());
        assertEquals(0, r.exit, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertEquals("segmentation", j.at("/objects/0/type").asText());
        assertEquals(1157, j.at("/objects/0/mask/ones").asInt());   // cases.json mask_ones for v3
        BufferedImage drawn = ImageIO.read(out.toFile());
        assertEquals(97, drawn.getWidth());
        assertEquals(71, drawn.getHeight());
        assertNotEquals(0, drawn.getRGB(0, 0) & 0xffffff, "box corner is drawn");
    }

    @Test
    void missingWeightsAndMissingSizeAreClearErrors() {
        Run r = run(V3, "--width", "97", "--height", "71", "--seg-weights", tmp.resolve("vae-oid.npz").toString());
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("does not ship with PaliGemma checkpoints"), r.err);
        Run noSize = run("<loc0100><loc0200><loc0300><loc0400> cat");
        assertNotEquals(0, noSize.exit);
        assertTrue(noSize.err.contains("--width"), noSize.err);
    }
}
