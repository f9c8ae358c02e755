package io.paligemma.bench;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: first column left-aligned, the others right-aligned, columns two spaces apart. */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();

    TextTable row(List<String> cells) {
        rows.add(cells.toArray(String[]::new));
        return this;
    }

    String render() {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                String cell = c < r.length ? r[c] : "";
                if (c > 0) {
                    line.append("  ").append(" ".repeat(width[c] - cell.length())).append(cell);
                } else {
                    line.append(cell).append(" ".repeat(width[c] - cell.length()));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
            if (i == 0) {
                int total = line.length();
                sb.append("-".repeat(Math.max(0, total))).append('\n');
            }
        }
        return sb.toString();
    }
}
