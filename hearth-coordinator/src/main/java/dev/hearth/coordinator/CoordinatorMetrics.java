// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import dev.hearth.coordinator.store.Check;
import dev.hearth.coordinator.oracle.Verdict;
import dev.hearth.coordinator.scheduler.PlacementTimings;
import dev.hearth.core.protocol.MessageTypes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.hearth.core.metrics.ProcessMeters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;

/**
 * The coordinator's Prometheus metrics, scraped at /metrics: JVM and process meters, latency histograms (placement,
 * submit to offer, job duration, verification), counters of agent messages by direction and type, verdicts by check
 * and ledger settlements. docs/operations.md explains each. Every histogram is registered at start, so a dashboard
 * finds it before the first event. Thread-safe.
 */
public final class CoordinatorMetrics implements AutoCloseable, PlacementTimings {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AutoCloseable process;
    private final java.util.List<Runnable> beforeScrape = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A registry with the JVM and process meters bound and every histogram registered empty. */
    public CoordinatorMetrics() {
        process = ProcessMeters.bind(registry);
        placementTimer();
        submitToOfferTimer();
        jobDurationTimer("completed");
        verificationTimer("passed");
        // Counters that alerts and the dashboard rate over exist at 0 from the start, not from their first event.
        for (dev.hearth.core.protocol.ErrorCode code : dev.hearth.core.protocol.ErrorCode.values()) {
            Counter.builder("hearth_agent_errors_total").tag("code", code.wireName()).register(registry);
        }
        for (String outcome : new String[] {"released", "refunded"}) {
            settlementCounter(outcome);
            settledMicrosCounter(outcome);
        }
    }

    /** The registry, for gauges that read live state. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Counts one event of {@code name} with a tag, e.g. {@code hearth_results_total{outcome="accepted"}}. */
    public void count(String name, String tag, String value) {
        Counter.builder(name).tag(tag, value).register(registry).increment();
    }

    @Override
    public void placement(Duration took) {
        placementTimer().record(took);
    }

    @Override
    public void submitToOffer(Duration waited) {
        submitToOfferTimer().record(waited);
    }

    /** A job ran {@code took} (from {@code job_started} to its accepted result) and ended as {@code status}. */
    public void jobDuration(String status, Duration took) {
        jobDurationTimer(status).record(took);
    }

    /** The oracle took {@code took} to judge one result, with {@code outcome} ({@code passed}, {@code failed}, ...). */
    public void verification(String outcome, Duration took) {
        verificationTimer(outcome).record(took);
    }

    /** A message of {@code type} crossed an agent link; {@code direction} is {@code in} or {@code out}. */
    public void message(String direction, String type) {
        Counter.builder("hearth_agent_messages").description("protocol messages on agent links, by direction and type")
                .tag("direction", direction).tag("type", type == null ? "unknown" : type).register(registry)
                .increment();
    }

    /** A message the coordinator sent to an agent. */
    public void sent(dev.hearth.core.protocol.CoordinatorMessage message) {
        message("out", MessageTypes.of(message));
    }

    /** A verdict: counted by outcome, and each of its checks by name and outcome. */
    public void verdict(Verdict verdict) {
        count("hearth_verdicts_total", "outcome", verdict.outcome().name().toLowerCase(Locale.ROOT));
        for (Check c : verdict.checks()) {
            Counter.builder("hearth_verdict_checks").description("oracle checks run, by check and outcome")
                    .tag("check", c.name()).tag("outcome", c.outcome().wireName()).register(registry).increment();
        }
    }

    /** A job's hold was settled: {@code outcome} is {@code released} (paid to the node) or {@code refunded}. */
    public void settled(String outcome, long micros) {
        settlementCounter(outcome).increment();
        settledMicrosCounter(outcome).increment(micros);
    }

    private Counter settlementCounter(String outcome) {
        return Counter.builder("hearth_ledger_settlements").description("job holds settled, by outcome")
                .tag("outcome", outcome).register(registry);
    }

    private Counter settledMicrosCounter(String outcome) {
        return Counter.builder("hearth_ledger_settled_micros").description("micro-credits settled, by outcome")
                .tag("outcome", outcome).register(registry);
    }

    /** Runs {@code action} at the start of every scrape, before any meter is read (e.g. one query for many gauges). */
    public void beforeScrape(Runnable action) {
        beforeScrape.add(java.util.Objects.requireNonNull(action, "action"));
    }

    /** The text exposition for Prometheus, after the {@link #beforeScrape} actions. */
    public String scrape() {
        beforeScrape.forEach(Runnable::run);
        return registry.scrape();
    }

    /** Lets go of the JVM's GC notifications. */
    @Override
    public void close() {
        try {
            process.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not unbind the JVM meters", e);
        } finally {
            registry.close();
        }
    }

    private Timer placementTimer() {
        return ProcessMeters.histogram(registry, "hearth_placement",
                "one scheduler placement pass over a non-empty queue", ProcessMeters.FAST);
    }

    private Timer submitToOfferTimer() {
        return ProcessMeters.histogram(registry, "hearth_submit_to_offer",
                "from a job's submit to its first offer", ProcessMeters.SLOW);
    }

    private Timer jobDurationTimer(String status) {
        return ProcessMeters.histogram(registry, "hearth_job_duration",
                "from job_started to the accepted result, by status", ProcessMeters.SLOW, "status", status);
    }

    private Timer verificationTimer(String outcome) {
        return ProcessMeters.histogram(registry, "hearth_verification",
                "the oracle judging one result, by verdict", ProcessMeters.FAST, "outcome", outcome);
    }

}
