package io.paligemma.bench;

import java.util.Locale;

/** Human-readable numbers for the tables. */
final class Units {
    private Units() {
    }

    static String seconds(double s) {
        if (Double.isNaN(s)) {
            return "-";
        }
        if (s < 1e-3) {
            return String.format(Locale.ROOT, "%.1f µs", s * 1e6);
        }
        if (s < 1) {
            return String.format(Locale.ROOT, s < 0.1 ? "%.2f ms" : "%.1f ms", s * 1e3);
        }
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    static String bytes(long b) {
        if (b <= 0) {
            return "-";
        }
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.0f MiB", b / (double) (1L << 20));
        }
        return b >= 1L << 10 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024.0) : b + " B";
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }

    static String percent(double f) {
        return Double.isNaN(f) ? "" : String.format(Locale.ROOT, " (%.0f %%)", f * 100);
    }

    /** A fraction as a cell of its own: "87 %", or "-" when unknown. */
    static String share(double f) {
        return Double.isNaN(f) ? "-" : String.format(Locale.ROOT, "%.0f %%", f * 100);
    }
}
