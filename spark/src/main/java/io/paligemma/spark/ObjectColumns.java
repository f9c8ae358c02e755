package io.paligemma.spark;

import io.paligemma.detect.BinaryMask;
import io.paligemma.detect.Box;
import io.paligemma.detect.DetectedObject;
import io.paligemma.detect.ParseProblem;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.Segmentation;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A parsed detect / segment answer as Spark values: one struct per object, its box in pixels (half-open,
 * see {@link Box}), the loc and seg codes as the model wrote them, and, once the VQ-VAE decoded it, the
 * mask over the whole picture as a PNG (0 / 255 grey) and as run lengths (row-major, alternating 0-runs and
 * 1-runs, starting with a 0-run that may be empty; as {@code paligemma detect} prints them).
 */
public final class ObjectColumns {
    private ObjectColumns() {
    }

    /** array&lt;struct&gt;: one element per object. */
    public static final StructType OBJECT = new StructType(new StructField[] {
        DataTypes.createStructField("label", DataTypes.StringType, false),
        DataTypes.createStructField("y0", DataTypes.IntegerType, false),
        DataTypes.createStructField("x0", DataTypes.IntegerType, false),
        DataTypes.createStructField("y1", DataTypes.IntegerType, false),
        DataTypes.createStructField("x1", DataTypes.IntegerType, false),
        DataTypes.createStructField("loc", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
        DataTypes.createStructField("codes", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
        DataTypes.createStructField("mask_png", DataTypes.BinaryType, true),
        DataTypes.createStructField("mask_rle", DataTypes.createArrayType(DataTypes.IntegerType, false), true)});

    public static final org.apache.spark.sql.types.DataType OBJECTS = DataTypes.createArrayType(OBJECT, false);

    /** array&lt;string&gt;: what in the answer was malformed (never guessed into an object). */
    public static final org.apache.spark.sql.types.DataType PROBLEMS = DataTypes.createArrayType(DataTypes.StringType, false);

    public static Row[] objects(ParseResult r) {
        Row[] out = new Row[r.objects().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = object(r.objects().get(i));
        }
        return out;
    }

    public static String[] problems(ParseResult r) {
        return r.problems().stream().map(ParseProblem::message).toArray(String[]::new);
    }

    static Row object(DetectedObject o) {
        Box b = o.pixels();
        int[] codes = null;
        byte[] png = null;
        int[] rle = null;
        if (o instanceof Segmentation s) {
            codes = s.codes();
            if (s.mask() != null) {
                png = png(s.mask());
                rle = s.mask().runLengths();
            }
        }
        return new GenericRowWithSchema(new Object[] {o.label(), b.y0(), b.x0(), b.y1(), b.x1(), o.loc(), codes, png, rle},
                OBJECT);
    }

    /** The mask as an 8-bit grey PNG: 255 where set, 0 elsewhere. */
    public static byte[] png(BinaryMask mask) {
        BufferedImage img = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        byte[] data = mask.data();
        for (int i = 0; i < data.length; i++) {
            pixels[i] = data[i] != 0 ? (byte) 255 : 0;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a mask PNG in memory failed", e);
        }
        return out.toByteArray();
    }
}
