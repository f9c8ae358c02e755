package io.paligemma.fuzz;

import java.io.PrintWriter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Runs the named test classes through the JUnit Platform and exits 0 when all pass: how
 * {@code ./paligemma sanitize --java} runs Java tests in a JVM whose kernels library is the sanitized build
 * (surefire would fork JVMs without LD_PRELOAD control and with the normal library first on the class path).
 */
public final class SelectedTests {

    private SelectedTests() {
    }

    public static void main(String[] classes) throws ClassNotFoundException {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String c : classes) {
            request.selectors(DiscoverySelectors.selectClass(Class.forName(c)));
        }
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request.build(), summary);
        PrintWriter out = new PrintWriter(System.out, true);
        summary.getSummary().printFailuresTo(out, 30);
        summary.getSummary().printTo(out);
        long failed = summary.getSummary().getTotalFailureCount();
        out.println(summary.getSummary().getTestsSucceededCount() + " passed, " + failed + " failed");
        System.exit(failed == 0 && summary.getSummary().getTestsFoundCount() > 0 ? 0 : 1);
    }
}
