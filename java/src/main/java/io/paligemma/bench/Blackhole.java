package io.paligemma.bench;

/** Keeps a result alive so the JIT cannot drop the loop that computed it. */
final class Blackhole {
    private static volatile long sink;

    private Blackhole() {
    }

    static void consume(long v) {
        sink = v;
    }

    static void consume(float v) {
        sink = Float.floatToRawIntBits(v);
    }

    static void consume(double v) {
        sink = Double.doubleToRawLongBits(v);
    }
}
