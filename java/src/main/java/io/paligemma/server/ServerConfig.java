package io.paligemma.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the HTTP server listens on and the limits it enforces on each request (every limit refuses with a
 * 400 naming it and the option that sets it).
 *
 * @param host            address to bind (127.0.0.1 by default: the server has no authentication)
 * @param port            TCP port; 0 = any free port ({@link PaliGemmaServer#port()} tells which)
 * @param modelName       the id clients put in {@code "model"} and {@code /v1/models} lists
 * @param mediaDir        {@code file://} image URLs are read only from under this directory; null = refused
 * @param maxBodyBytes    largest request body (a base64 picture is 4/3 of its file)
 * @param maxImagePixels  largest width × height of a decoded picture
 * @param maxPromptTokens longest prompt, in text tokens (image tokens and bos not counted)
 * @param maxTokens       largest {@code max_tokens} a request may ask for
 * @param defaultMaxTokens {@code max_tokens} when a request gives none
 * @param maxN            largest {@code n} (answers per request)
 * @param grace           on SIGTERM: how long running requests may go on before they end with an error
 */
public record ServerConfig(String host, int port, String modelName, Path mediaDir, long maxBodyBytes, long maxImagePixels,
                           int maxPromptTokens, int maxTokens, int defaultMaxTokens, int maxN, Duration grace) {

    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("the served model name is empty");
        }
        positive("--max-body-mb", maxBodyBytes);
        positive("--max-image-pixels", maxImagePixels);
        positive("--max-prompt-tokens", maxPromptTokens);
        positive("--max-tokens-limit", maxTokens);
        positive("--default-max-tokens", defaultMaxTokens);
        positive("--max-n", maxN);
        if (defaultMaxTokens > maxTokens) {
            throw new IllegalArgumentException("--default-max-tokens (" + defaultMaxTokens + ") exceeds --max-tokens-limit ("
                    + maxTokens + ")");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("--grace-seconds must be >= 0, got " + grace.toSeconds());
        }
    }

    /** Loopback, port 8080, 20 MiB bodies, 40 megapixels, 256 prompt tokens, max_tokens up to 512 (64 by default), n up to 8, 30 s grace. */
    public static ServerConfig defaults(String modelName) {
        return new ServerConfig("127.0.0.1", 8080, modelName, null, 20L << 20, 40_000_000L, 256, 512, 64, 8,
                Duration.ofSeconds(30));
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, modelName, mediaDir, maxBodyBytes, maxImagePixels, maxPromptTokens, maxTokens,
                defaultMaxTokens, maxN, grace);
    }

    public ServerConfig withMediaDir(Path dir) {
        return new ServerConfig(host, port, modelName, dir, maxBodyBytes, maxImagePixels, maxPromptTokens, maxTokens,
                defaultMaxTokens, maxN, grace);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(host, port, modelName, mediaDir, bytes, maxImagePixels, maxPromptTokens, maxTokens,
                defaultMaxTokens, maxN, grace);
    }

    public ServerConfig withMaxImagePixels(long pixels) {
        return new ServerConfig(host, port, modelName, mediaDir, maxBodyBytes, pixels, maxPromptTokens, maxTokens,
                defaultMaxTokens, maxN, grace);
    }

    public ServerConfig withMaxPromptTokens(int tokens) {
        return new ServerConfig(host, port, modelName, mediaDir, maxBodyBytes, maxImagePixels, tokens, maxTokens,
                defaultMaxTokens, maxN, grace);
    }

    public ServerConfig withMaxTokens(int limit, int byDefault) {
        return new ServerConfig(host, port, modelName, mediaDir, maxBodyBytes, maxImagePixels, maxPromptTokens, limit,
                byDefault, maxN, grace);
    }

    public ServerConfig withGrace(Duration d) {
        return new ServerConfig(host, port, modelName, mediaDir, maxBodyBytes, maxImagePixels, maxPromptTokens, maxTokens,
                defaultMaxTokens, maxN, d);
    }

    private static void positive(String option, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + v);
        }
    }
}
