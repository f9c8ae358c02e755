package io.paligemma.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.bindings.cblas_h;
import org.junit.jupiter.api.Test;

class NativeLibrariesTest {

    @Test
    void openBlasIdleThreadsSpinBrieflyUnlessTheUserChose() {
        String before = System.getenv("OPENBLAS_THREAD_TIMEOUT"); // the JVM's snapshot of the start environment
        NativeLibraries.Loaded lib = NativeLibraries.load();
        String now = NativeLibraries.cEnvironment("OPENBLAS_THREAD_TIMEOUT");
        assertEquals(before != null ? before : NativeLibraries.OPENBLAS_THREAD_TIMEOUT, now);
        assertTrue(lib.openBlas().getFileName().toString().startsWith("libopenblas"));
        assertTrue(cblas_h.openblas_get_num_threads() >= 1);
    }

    @Test
    void cEnvironmentReadsTheProcessEnvironment() {
        assertEquals(System.getenv("PATH"), NativeLibraries.cEnvironment("PATH"));
        assertNull(NativeLibraries.cEnvironment("PALIGEMMA_SURELY_UNSET_VARIABLE_42"));
    }
}
