package io.paligemma.cli;

import io.paligemma.api.PaliGemma;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.server.PaliGemmaServer;
import io.paligemma.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** serve: the OpenAI-compatible HTTP server and the web page, until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over HTTP: OpenAI-compatible /v1/chat/completions (images as data: URIs, streaming), "
                + "/v1/detect, /v1/segment, /v1/models, /health, /metrics, and a web page at /.",
                "SIGTERM or Ctrl-C: stop accepting, let running requests finish within --grace-seconds, end the rest "
                        + "with an error, exit 0."})
final class ServeCommand implements Callable<Integer> {
    /** Jetty's start and stop lines are noise here, its warnings are not (held: JUL keeps loggers weakly). */
    private static final java.util.logging.Logger JETTY_LOG = java.util.logging.Logger.getLogger("org.eclipse.jetty");

    @Mixin
    ModelOptions model;

    @Option(names = "--demo", description = "serve the small bundled demo checkpoint (random weights: the text is noise) "
            + "instead of --model")
    boolean demo;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "address to listen on (default ${DEFAULT-VALUE}; the server has no authentication)")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port; 0 = any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "the model id clients send and /v1/models lists (default: the checkpoint directory's name)")
    String servedName;

    @Option(names = "--media-dir", paramLabel = "DIR",
            description = "file:///... image URLs are read from under this directory only (default: file URLs refused)")
    Path mediaDir;

    @Option(names = "--seg-weights", paramLabel = "PATH",
            description = "VQ-VAE mask decoder weights (vae-oid.npz or .safetensors): /v1/segment then returns masks")
    Path segWeights;

    @Option(names = "--max-body-mb", paramLabel = "MiB", defaultValue = "20", description = "largest request body (default ${DEFAULT-VALUE})")
    long maxBodyMib;

    @Option(names = "--max-image-pixels", paramLabel = "N", defaultValue = "40000000",
            description = "largest picture, width × height (default ${DEFAULT-VALUE})")
    long maxImagePixels;

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "256",
            description = "longest prompt in text tokens (default ${DEFAULT-VALUE})")
    int maxPromptTokens;

    @Option(names = "--max-tokens-limit", paramLabel = "N", defaultValue = "512",
            description = "largest max_tokens a request may ask for (default ${DEFAULT-VALUE})")
    int maxTokensLimit;

    @Option(names = "--default-max-tokens", paramLabel = "N", defaultValue = "64",
            description = "max_tokens of a request that gives none (default ${DEFAULT-VALUE})")
    int defaultMaxTokens;

    @Option(names = "--max-n", paramLabel = "N", defaultValue = "8", description = "largest n, answers per request (default ${DEFAULT-VALUE})")
    int maxN;

    @Option(names = "--grace-seconds", paramLabel = "S", defaultValue = "30",
            description = "on SIGTERM, how long running requests may finish (default ${DEFAULT-VALUE})")
    long graceSeconds;

    @Override
    public Integer call() throws Exception {
        if (demo == (model.model != null)) {
            throw new IllegalArgumentException("give either --model DIR or --demo");
        }
        Ranges.atLeast("--max-body-mb", maxBodyMib, 1);
        BundledDemo bundled = demo ? new BundledDemo() : null;
        try {
            Path dir = demo ? bundled.checkpoint : CheckpointArgs.existing(model.model);
            model.model = dir;
            String name = servedName != null ? servedName
                    : demo ? "paligemma-demo" : dir.toAbsolutePath().normalize().getFileName().toString();
            ServerConfig config = new ServerConfig(host, port, name, mediaDir, maxBodyMib << 20, maxImagePixels,
                    maxPromptTokens, maxTokensLimit, defaultMaxTokens, maxN, Duration.ofSeconds(graceSeconds));
            VqVaeMaskDecoder masks = ObjectsOutput.maskDecoder(segWeights);
        JETTY_LOG.setLevel(java.util.logging.Level.WARNING);
            CountDownLatch stop = new CountDownLatch(1);
            onSignal("TERM", stop::countDown);
            onSignal("INT", stop::countDown);
            try (PaliGemmaServer server = new PaliGemmaServer(config, masks).start()) {
                String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
                System.err.println("paligemma serve: listening on " + url + " (model '" + name + "' loading from " + dir + ")");
                try (PaliGemma loaded = model.load()) {
                    server.ready(loaded);
                    System.err.println("paligemma serve: ready: open " + url + "/ or POST " + url + "/v1/chat/completions");
                    stop.await();
                    System.err.println("paligemma serve: stopping: " + server.inFlight() + " requests in flight, grace "
                            + graceSeconds + " s");
                    server.drain();
                }
            }
            System.err.println("paligemma serve: stopped");
            return 0;
        } finally {
            if (bundled != null) {
                bundled.close();
            }
        }
    }

    /**
     * Runs {@code action} on the signal instead of the JVM's default (exit 143 for SIGTERM), so the server
     * can drain and exit 0. Through sun.misc.Signal (module jdk.unsupported, the JDK's only signal API),
     * reached by reflection so that javac does not warn on every build about an internal API.
     */
    private static void onSignal(String name, Runnable action) throws ReflectiveOperationException {
        Class<?> signal = Class.forName("sun.misc.Signal");
        Class<?> handler = Class.forName("sun.misc.SignalHandler");
        Object proxy = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler},
                (p, method, args) -> {
                    if (method.getName().equals("handle")) {
                        action.run();
                        return null;
                    }
                    return switch (method.getName()) {
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        default -> "signal handler for SIG" + name;
                    };
                });
        signal.getMethod("handle", signal, handler).invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
    }
}
