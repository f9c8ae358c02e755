package io.paligemma.bench;

/**
 * One stage of one (weights, backend) run: its timings and the work it did, from which the rates follow.
 *
 * @param tokens       tokens the stage processed (prefill: the prompt; decode: the decode steps), 0 = no rate
 * @param flops        floating-point operations of one repetition ({@link FlopCount}), 0 = not counted
 * @param bytes        weight bytes one repetition streams (decode), 0 = not counted
 * @param peakRssBytes peak resident set of the whole run (VmHWM) less the read probe's buffer, shared by its stages
 * @param loadAverage  the machine's 1-minute load average when the run started (this process's earlier work included)
 * @param otherCores   cores other processes kept busy on average during the run ({@link CpuSample}): competition
 * @param readNowGbps  decode only: median of the read bandwidth measured right after each timed request's
 *                     decode ({@link Roofline#readNow}), NaN when not measured
 * @param heapBytesPerToken decode only: median over the timed requests of the heap bytes all threads allocated
 *                     from the first token to the last, per decode step ({@link HeapAllocation}); NaN otherwise
 */
public record StageResult(String backend, String weights, Stage stage, Stats stats, int tokens, double flops,
                          double bytes, long peakRssBytes, double loadAverage, double otherCores, double readNowGbps,
                          double heapBytesPerToken) {

    /** Tokens per second at the median, NaN when the stage has no token rate. */
    public double tokensPerSecond() {
        return tokens > 0 ? tokens / stats.medianS() : Double.NaN;
    }

    /** GFLOP/s at the median, NaN when not counted. */
    public double gflops() {
        return flops > 0 ? flops / stats.medianS() / 1e9 : Double.NaN;
    }

    /** Weight GB/s (10⁹ B/s) at the median, NaN when not counted. */
    public double gbps() {
        return bytes > 0 ? bytes / stats.medianS() / 1e9 : Double.NaN;
    }

    /** Weight GB/s as a fraction of the bandwidth measured right after the decodes, NaN when either is missing. */
    public double readNowFraction() {
        return gbps() / readNowGbps;
    }
}
