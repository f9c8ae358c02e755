package io.paligemma.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by the whole machine and by this process at one instant (Linux /proc, in clock ticks of
 * 1/100 s, USER_HZ on x86 Linux). Two samples tell how many cores <em>other</em> processes kept busy in
 * between: the load average cannot, since it counts this process's own threads too.
 *
 * @param machineBusyTicks user + nice + system + irq + softirq + steal of all CPUs (/proc/stat); steal
 *                         counts, as time another guest took from this one
 * @param processTicks     user + system time of this process (/proc/self/stat)
 */
public record CpuSample(long wallNanos, long machineBusyTicks, long processTicks) {
    private static final double TICKS_PER_SECOND = 100;

    /** Now; both tick counts are -1 where /proc is missing. */
    public static CpuSample now() {
        long wall = System.nanoTime();
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system (idle iowait) irq softirq steal
                busy += Long.parseLong(cpu[i]);
            }
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+"); // f[0] is field 3 (state)
            long self = Long.parseLong(f[11]) + Long.parseLong(f[12]);                 // fields 14 utime, 15 stime
            return new CpuSample(wall, busy, self);
        } catch (IOException | RuntimeException e) {
            return new CpuSample(wall, -1, -1);
        }
    }

    /** Average cores other processes used from this sample to {@code later}; NaN when unknown. */
    public double otherCores(CpuSample later) {
        if (machineBusyTicks < 0 || later.machineBusyTicks < 0 || later.wallNanos <= wallNanos) {
            return Double.NaN;
        }
        double others = (later.machineBusyTicks - machineBusyTicks) - (later.processTicks - processTicks);
        return Math.max(0, others / TICKS_PER_SECOND / ((later.wallNanos - wallNanos) / 1e9));
    }
}
