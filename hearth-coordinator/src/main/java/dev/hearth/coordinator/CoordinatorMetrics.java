package dev.hearth.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The coordinator's Prometheus metrics, scraped at /metrics. Thread-safe. */
public final class CoordinatorMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** The registry, for gauges that read live state. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Counts one event of {@code name} with a tag, e.g. {@code hearth_results_total{outcome="accepted"}}. */
    public void count(String name, String tag, String value) {
        Counter.builder(name).tag(tag, value).register(registry).increment();
    }

    /** The text exposition for Prometheus. */
    public String scrape() {
        return registry.scrape();
    }
}
