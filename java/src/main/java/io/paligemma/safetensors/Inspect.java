package io.paligemma.safetensors;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A human-readable listing of a checkpoint: what {@code paligemma inspect PATH} prints. */
public final class Inspect {

    private Inspect() {
    }

    /** What {@link #check} found: one line per tensor holding NaN or infinity, and their count. */
    public record Check(List<String> problems, int tensorsScanned) {
    }

    /**
     * Scans every F32 / BF16 / F16 tensor for NaN and infinity (a checkpoint with one NaN norm weight answers
     * with garbage, so this is the first thing to run when a model misbehaves).
     */
    public static Check check(Path fileOrDirectory) {
        try (Checkpoint checkpoint = Checkpoint.open(fileOrDirectory)) {
            List<String> problems = new ArrayList<>();
            int scanned = 0;
            for (SafetensorsFile f : checkpoint.files()) {
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    if (!t.dtype().isWeightFloat()) {
                        continue;
                    }
                    scanned++;
                    long[] bad = nonFinite(t);
                    if (bad[0] + bad[1] > 0) {
                        problems.add(name + " (" + t.dtype() + Arrays.toString(t.shape()) + "): " + grouped(bad[0]) + " NaN, "
                                + grouped(bad[1]) + " infinite, first at element " + bad[2]);
                    }
                }
            }
            return new Check(List.copyOf(problems), scanned);
        }
    }

    /** {NaN count, infinity count, index of the first non-finite element (-1 if none)}. */
    private static long[] nonFinite(Tensor t) {
        long nan = 0;
        long inf = 0;
        long first = -1;
        long n = t.elementCount();
        for (long i = 0; i < n; i++) {
            float v = t.floatAt(i);
            if (!Float.isFinite(v)) {
                if (Float.isNaN(v)) {
                    nan++;
                } else {
                    inf++;
                }
                if (first < 0) {
                    first = i;
                }
            }
        }
        return new long[] {nan, inf, first};
    }

    /** Table of every tensor (name, dtype, shape, bytes; the file too when there are several), then totals per dtype and overall. */
    public static String describe(Path fileOrDirectory) {
        try (Checkpoint checkpoint = Checkpoint.open(fileOrDirectory)) {
            StringBuilder out = new StringBuilder();
            boolean manyFiles = checkpoint.files().size() > 1;
            out.append(fileOrDirectory).append('\n');
            for (SafetensorsFile f : checkpoint.files()) {
                out.append("  file ").append(f.path().getFileName()).append(": ").append(f.names().size())
                        .append(" tensors");
                if (!f.metadata().isEmpty()) {
                    out.append(", metadata ").append(f.metadata());
                }
                out.append('\n');
            }
            out.append('\n');

            List<String[]> rows = new ArrayList<>();
            rows.add(manyFiles ? new String[] {"name", "dtype", "shape", "bytes", "file"}
                    : new String[] {"name", "dtype", "shape", "bytes"});
            Map<DType, long[]> totals = new EnumMap<>(DType.class);  // dtype -> {tensors, elements, bytes}
            for (SafetensorsFile f : checkpoint.files()) {
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    long bytes = t.data().byteSize();
                    String[] row = {name, t.dtype().name(), Arrays.toString(t.shape()), grouped(bytes),
                            f.path().getFileName().toString()};
                    rows.add(manyFiles ? row : Arrays.copyOf(row, 4));
                    long[] sum = totals.computeIfAbsent(t.dtype(), d -> new long[3]);
                    sum[0]++;
                    sum[1] += t.elementCount();
                    sum[2] += bytes;
                }
            }
            table(out, rows, 3);
            out.append('\n');

            List<String[]> summary = new ArrayList<>();
            summary.add(new String[] {"dtype", "tensors", "elements", "bytes"});
            long[] all = new long[3];
            for (Map.Entry<DType, long[]> e : totals.entrySet()) {
                long[] s = e.getValue();
                summary.add(new String[] {e.getKey().name(), grouped(s[0]), grouped(s[1]), grouped(s[2])});
                for (int i = 0; i < 3; i++) {
                    all[i] += s[i];
                }
            }
            summary.add(new String[] {"total", grouped(all[0]), grouped(all[1]), grouped(all[2])});
            table(out, summary, 1);
            return out.toString();
        }
    }

    /** Appends rows as aligned columns; columns from {@code firstNumeric} on are right-aligned except a trailing file column. */
    private static void table(StringBuilder out, List<String[]> rows, int firstNumeric) {
        int columns = rows.getFirst().length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean right = c >= firstNumeric && !rows.getFirst()[c].equals("file");
                String cell = row[c];
                String pad = " ".repeat(width[c] - cell.length());
                line.append(c == 0 ? "" : "  ").append(right ? pad + cell : cell + pad);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
