package io.paligemma.spark;

import io.paligemma.api.Generation;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.api.Timings;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

/**
 * One partition through the executor's model: each input row's picture is decoded and its prompt tokenized
 * on the task's thread, then submitted to the shared model's scheduler, where it decodes beside the rows of
 * every other task of this executor. Up to {@link RowJob#inFlight()} rows are submitted ahead of the one
 * being returned, so a task keeps the scheduler's batch full while rows come back in input order.
 *
 * <p>A row whose picture cannot be read or decoded, whose prompt is missing or too long, or whose request
 * fails, comes back with null results and the reason in the error column (or, with fail-fast, fails the
 * task). The lease on the model is given back when the rows run out or the task ends, whichever is first;
 * requests still in flight then (a killed task) are cancelled.
 */
final class PartitionRun implements Iterator<Row> {
    /** Larger image files are refused before they are read whole (the decoder's pixel limit comes after). */
    static final long MAX_IMAGE_FILE_BYTES = 256L << 20;
    private static final Map<String, VqVaeMaskDecoder> MASK_DECODERS = new ConcurrentHashMap<>();

    private final RowJob job;
    private final Iterator<Row> input;
    private final GenerationConfig generation;
    private final ImageDecoder decoder;
    private final VqVaeMaskDecoder masks;          // null: segment objects carry codes only
    private final ArrayDeque<Pending> window = new ArrayDeque<>();
    private final ExecutorModels.Lease lease;
    private final PaliGemma model;
    private Configuration hadoop;                  // for path columns, made on first use
    private long rows;
    private boolean released;

    /** A submitted row: its request, or why it could not be submitted. */
    private record Pending(Row row, String name, int width, int height, Generation generation, Exception error) {
    }

    PartitionRun(RowJob job, Iterator<Row> input) {
        this.job = job;
        this.input = input;
        this.generation = job.generation();
        this.masks = job.task() == Task.SEGMENT && job.maskDecoder() != null ? maskDecoder(job.maskDecoder()) : null;
        this.lease = ExecutorModels.acquire(job.model());
        this.model = lease.model();
        this.decoder = new ImageDecoder(job.model().options().maxImagePixels());
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> release());
        }
    }

    @Override
    public boolean hasNext() {
        fill();
        if (window.isEmpty()) {
            release();
            return false;
        }
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return output(window.poll());
    }

    private void fill() {
        while (window.size() < job.inFlight() && !released && input.hasNext()) {
            window.add(submit(input.next()));
        }
    }

    private Pending submit(Row row) {
        long number = rows++;
        String name = name(row, number);
        try {
            String prompt = prompt(row);
            RgbImage image = image(row, name);
            Generation g = model.submit(image, prompt, generation, null);
            return new Pending(row, name, image.width(), image.height(), g, null);
        } catch (ImageException | BadRowException | IllegalArgumentException | UncheckedIOException e) {
            return new Pending(row, name, 0, 0, null, e);
        }
    }

    private Row output(Pending p) {
        Result result = null;
        Exception error = p.error();
        if (p.generation() != null) {
            try {
                result = p.generation().await();
            } catch (IllegalStateException e) {
                throw e;                                   // the model closed under the task: not this row's fault
            } catch (RuntimeException e) {
                error = e;
            }
        }
        if (error != null && job.failFast()) {
            String m = message(error);
            throw new BadRowException((m.contains(p.name()) ? m : "row " + p.name() + ": " + m) + " (failFast is set)", error);
        }
        Object[] values = new Object[p.row().length() + (job.task().givesObjects() ? 6 : 4)];
        for (int i = 0; i < p.row().length(); i++) {
            values[i] = p.row().get(i);
        }
        int k = p.row().length();
        if (result != null) {
            Timings t = result.timings();
            values[k] = result.text();
            values[k + 1] = t.generatedTokens();
            values[k + 2] = RowFactory.create(t.preprocessNanos() / 1e6, t.queuedNanos() / 1e6, t.visionNanos() / 1e6,
                    t.prefillNanos() / 1e6, t.decodeNanos() / 1e6, t.promptTokens());
            if (job.task().givesObjects()) {
                ParseResult parsed = parse(result.text(), p.width(), p.height());
                values[k + 4] = ObjectColumns.objects(parsed);
                values[k + 5] = ObjectColumns.problems(parsed);
            }
        } else {
            values[k + 3] = message(error);
        }
        return RowFactory.create(values);
    }

    private ParseResult parse(String text, int width, int height) {
        if (job.task() == Task.DETECT) {
            return OutputParser.parseDetections(text, width, height);
        }
        ParseResult r = OutputParser.parseSegmentations(text, width, height);
        return masks == null ? r : masks.decodeAll(r);
    }

    private String prompt(Row row) {
        if (job.promptIndex() < 0) {
            return job.prompt();
        }
        if (row.isNullAt(job.promptIndex())) {
            throw new BadRowException("the prompt column is null");
        }
        return row.getString(job.promptIndex());
    }

    private RgbImage image(Row row, String name) throws ImageException {
        int i = job.imageIndex();
        if (row.isNullAt(i)) {
            throw new BadRowException("the image column is null");
        }
        if (!job.imageIsPath()) {
            return decoder.read((byte[]) row.get(i), name);
        }
        return decoder.read(readFile(row.getString(i)), name);
    }

    /** The bytes of a file named by a path or URI that Hadoop understands (file:, hdfs:, s3a: ...). */
    private byte[] readFile(String location) {
        if (hadoop == null) {
            hadoop = new Configuration();
        }
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
            FileSystem fs = path.getFileSystem(hadoop);
            long size = fs.getFileStatus(path).getLen();
            if (size > MAX_IMAGE_FILE_BYTES) {
                throw new BadRowException(location + ": " + size + " bytes, more than an image file may have ("
                        + MAX_IMAGE_FILE_BYTES + ")");
            }
            try (InputStream in = fs.open(path)) {
                return in.readAllBytes();
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BadRowException(location + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private String name(Row row, long number) {
        if (job.nameIndex() >= 0 && !row.isNullAt(job.nameIndex())) {
            return row.getString(job.nameIndex());
        }
        return "#" + number + " of partition " + (TaskContext.get() == null ? "?" : TaskContext.getPartitionId());
    }

    private static String message(Exception e) {
        if (e instanceof CancellationException) {
            return "cancelled";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getName() : m;
    }

    /** Gives the model back and cancels what is still in flight (a task that ended early). Once. */
    private void release() {
        if (released) {
            return;
        }
        released = true;
        for (Pending p : window) {
            if (p.generation() != null) {
                p.generation().cancel();
            }
        }
        lease.close();
    }

    private static VqVaeMaskDecoder maskDecoder(String path) {
        return MASK_DECODERS.computeIfAbsent(path, p -> {
            try {
                return VqVaeMaskDecoder.load(Path.of(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        });
    }

    /** A row that cannot be answered: its reason goes to the error column. */
    static final class BadRowException extends RuntimeException {
        BadRowException(String message) {
            super(message);
        }

        BadRowException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
