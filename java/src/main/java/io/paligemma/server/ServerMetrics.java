package io.paligemma.server;

import io.paligemma.api.Timings;
import io.paligemma.scheduler.SchedulerStats;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * The server's metrics, in a registry of its own (Prometheus Java client), exposed at {@code /metrics} in
 * Prometheus' text format. Scheduler figures are read from {@link SchedulerStats} at scrape time.
 */
final class ServerMetrics {
    private static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final Histogram ttft;
    private final Histogram perToken;
    private final Histogram duration;

    ServerMetrics(Supplier<SchedulerStats> stats) {
        requests = Counter.builder().name("paligemma_requests_total")
                .help("HTTP API requests by endpoint and outcome (ok, bad_request, not_found, rejected = 429, "
                        + "unavailable = 503, cancelled = client went away, error)")
                .labelNames("endpoint", "outcome").register(registry);
        promptTokens = Counter.builder().name("paligemma_prompt_tokens_total")
                .help("prompt tokens of finished requests, image tokens included").register(registry);
        generatedTokens = Counter.builder().name("paligemma_generated_tokens_total")
                .help("tokens generated for finished requests").register(registry);
        ttft = Histogram.builder().name("paligemma_time_to_first_token_seconds")
                .help("from the request's arrival to its first generated token").classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS).register(registry);
        perToken = Histogram.builder().name("paligemma_time_per_output_token_seconds")
                .help("decode time per generated token after the first, per request").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5).register(registry);
        duration = Histogram.builder().name("paligemma_request_duration_seconds")
                .help("from the request's arrival to its last byte, by endpoint").labelNames("endpoint").classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS).register(registry);
        GaugeWithCallback.builder().name("paligemma_queue_depth").help("requests waiting for a sequence slot")
                .callback(cb -> cb.call(stats.get().queued())).register(registry);
        GaugeWithCallback.builder().name("paligemma_running_sequences")
                .help("sequences admitted by the scheduler (prefilling or decoding)")
                .callback(cb -> cb.call(stats.get().running())).register(registry);
        GaugeWithCallback.builder().name("paligemma_kv_cache_bytes").help("bytes of the running sequences' KV caches")
                .callback(cb -> cb.call(stats.get().kvCacheBytes())).register(registry);
        CounterWithCallback.builder().name("paligemma_image_feature_cache_hits_total")
                .help("image features found in the scheduler's feature cache")
                .callback(cb -> cb.call(stats.get().featureHits())).register(registry);
        CounterWithCallback.builder().name("paligemma_image_feature_cache_misses_total")
                .help("image features computed")
                .callback(cb -> cb.call(stats.get().featureMisses())).register(registry);
        CounterWithCallback.builder().name("paligemma_prefix_cache_hits_total")
                .help("prefills answered whole by the scheduler's prefix cache")
                .callback(cb -> cb.call(stats.get().prefixHits())).register(registry);
        CounterWithCallback.builder().name("paligemma_scheduler_postponed_decodes_total")
                .help("scheduler steps whose decode waited for a prompt's first-token deadline (--prompt-deadline)")
                .callback(cb -> cb.call(stats.get().postponedDecodes())).register(registry);
        CounterWithCallback.builder().name("paligemma_scheduler_rejected_total")
                .help("requests the scheduler refused because its queue was full")
                .callback(cb -> cb.call(stats.get().rejected())).register(registry);
    }

    void request(String endpoint, String outcome, long startedNanos) {
        requests.labelValues(endpoint, outcome).inc();
        duration.labelValues(endpoint).observe((System.nanoTime() - startedNanos) / 1e9);
    }

    /** A finished generation: its tokens and latencies. {@code waitedNanos}: arrival until the submit. */
    void generation(Timings t, long waitedNanos) {
        promptTokens.inc(t.promptTokens());
        generatedTokens.inc(t.generatedTokens());
        if (t.generatedTokens() > 0) {
            ttft.observe((waitedNanos + t.timeToFirstTokenNanos()) / 1e9);
        }
        if (t.generatedTokens() > 1) {
            perToken.observe(t.decodeNanos() / 1e9 / (t.generatedTokens() - 1));
        }
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
    }
}
