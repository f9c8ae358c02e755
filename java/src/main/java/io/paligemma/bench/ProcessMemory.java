package io.paligemma.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident-set figures of this process from Linux's /proc (0 where /proc is missing). */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {
    }

    /** VmHWM: the peak resident set since start or since the last {@link #resetPeak()}, in bytes. */
    public static long peakRssBytes() {
        return statusKilobytes("VmHWM:") * 1024;
    }

    /** VmRSS: the resident set now, in bytes. */
    public static long rssBytes() {
        return statusKilobytes("VmRSS:") * 1024;
    }

    /**
     * Sets the peak back to the current resident set (Linux ≥ 4.0: "5" into clear_refs), so that several
     * runs in one process each get their own peak. Returns false where that is not possible; the peak
     * then covers the process's whole life so far.
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long statusKilobytes(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
