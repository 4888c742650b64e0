package dev.hearth.agent.node;

import dev.hearth.core.job.JobStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The agent's Prometheus metrics, scraped at /metrics on its health port. Thread-safe. */
public final class AgentMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    AgentMetrics(NodeAgent agent) {
        Gauge.builder("hearth_agent_registered", agent, a -> a.isRegistered() ? 1 : 0)
                .description("1 while the coordinator has accepted this node on an open link").register(registry);
        Gauge.builder("hearth_agent_jobs_running", agent, NodeAgent::runningJobs).register(registry);
        Gauge.builder("hearth_agent_outbox_pending", agent, NodeAgent::outboxSize)
                .description("results kept on disk until the coordinator acknowledges them").register(registry);
        Gauge.builder("hearth_agent_reconnects", agent, NodeAgent::reconnects).register(registry);
    }

    void finished(JobStatus status) {
        Counter.builder("hearth_agent_jobs_finished").tag("status", status.wireName()).register(registry).increment();
    }

    /** The text exposition for Prometheus. */
    public String scrape() {
        return registry.scrape();
    }
}
