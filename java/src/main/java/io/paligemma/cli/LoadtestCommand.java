package io.paligemma.cli;

import io.paligemma.server.LoadTest;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** loadtest: many clients against a running serve, on this machine only. */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
        description = "Load a running 'paligemma serve' on this machine (loopback addresses only): N clients send streamed "
                + "chat completions back to back, each with a picture of its own; prints requests/s, generated tokens/s, "
                + "time to first token and latency percentiles, errors by kind.")
final class LoadtestCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "the server (default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--clients", paramLabel = "N,N,...", split = ",", defaultValue = "4",
            description = "concurrent clients; several counts run one after the other (default ${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(names = "--requests", paramLabel = "M", defaultValue = "16", description = "requests per client count, in all (default ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "caption en", description = "the prompt (default ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "32", description = "tokens per answer (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--image-size", paramLabel = "PX", defaultValue = "224",
            description = "side of each request's random picture (default ${DEFAULT-VALUE})")
    int imageSize;

    @Override
    public Integer call() throws Exception {
        LoadTest.checkLoopback(url);
        int failures = 0;
        for (int n : clients) {
            var report = LoadTest.run(new LoadTest.Settings(url, n, requests, prompt, maxTokens, imageSize, 7L * n));
            System.out.print(report.text());
            System.out.flush();
            failures += report.sent() - report.ok();
        }
        return failures == 0 ? 0 : Errors.CHECKS_FAILED;
    }
}
