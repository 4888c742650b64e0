// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import dev.hearth.core.job.JobStatus;
import dev.hearth.sandbox.PoolCounts;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.WarmPoolDriver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import dev.hearth.core.metrics.ProcessMeters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;

/**
 * The agent's Prometheus metrics, scraped at /metrics on its health port (and on {@code --metrics-address} when
 * set): JVM and process meters, link state, histograms of heartbeat round trip, job duration, sandbox start (by
 * driver, and cold, warm or template) and VM boot (by runtime), protocol messages by direction and type, and warm pools' jobs and
 * ready sandboxes by runtime. docs/operations.md explains each.
 * Thread-safe.
 */
public final class AgentMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AutoCloseable process;

    AgentMetrics(NodeAgent agent, String driver) {
        process = ProcessMeters.bind(registry);
        Gauge.builder("hearth_agent_registered", agent, a -> a.isRegistered() ? 1 : 0)
                .description("1 while the coordinator has accepted this node on an open link").register(registry);
        Gauge.builder("hearth_agent_jobs_running", agent, NodeAgent::runningJobs).register(registry);
        Gauge.builder("hearth_agent_outbox_pending", agent, NodeAgent::outboxSize)
                .description("results kept on disk until the coordinator acknowledges them").register(registry);
        Gauge.builder("hearth_agent_reconnects", agent, NodeAgent::reconnects).register(registry);
        heartbeatTimer();
        jobTimer(JobStatus.COMPLETED.wireName());
        sandboxStartTimer(driver, "cold");
        sandboxStartTimer(driver, "warm");
        vmBootTimer("qemu");
    }

    void finished(JobStatus status, Duration took) {
        Counter.builder("hearth_agent_jobs_finished").tag("status", status.wireName()).register(registry).increment();
        jobTimer(status.wireName()).record(took);
    }

    /**
     * Meters of each runtime's warm pools (zero for a runtime without): poolable jobs by where their sandbox came
     * from, {@code warm} (a ready one taken) or {@code cold} (none was ready), and the sandboxes ready now. Read from
     * the pools at each scrape.
     */
    void pools(Map<String, SandboxDriver> drivers) {
        // the meters hold their state weakly: the drivers, which the agent holds, are their state
        drivers.forEach((runtime, driver) -> {
            for (boolean warm : new boolean[] {true, false}) {
                FunctionCounter.builder("hearth_agent_pool_jobs", driver,
                                d -> warm ? counts(d).warm() : counts(d).cold())
                        .description("poolable jobs by runtime and sandbox: warm (taken ready from its pool) or cold "
                                + "(none was ready)")
                        .tag("runtime", runtime).tag("sandbox", sandbox(warm)).register(registry);
            }
            Gauge.builder("hearth_agent_pool_ready", driver, d -> counts(d).ready())
                    .description("started, never-used sandboxes waiting in the runtime's pools")
                    .tag("runtime", runtime).register(registry);
        });
    }

    /** A poolable job's sandbox as the pool counters tag it: warm (pooled) or cold (see Sandbox#origin()). */
    static String sandbox(boolean pooled) {
        return pooled ? "warm" : "cold";
    }

    private static PoolCounts counts(SandboxDriver driver) {
        return driver instanceof WarmPoolDriver pools ? pools.counts() : PoolCounts.NONE;
    }

    /** A heartbeat was answered {@code took} after it was sent. */
    void heartbeatRoundTrip(Duration took) {
        heartbeatTimer().record(took);
    }

    /**
     * A job's sandbox on {@code driver} was created and started in {@code took}: image pull and VM boot included when
     * it was made cold, only the take and the start when warm (it came ready from a warm pool), the restore and the
     * start from a template ({@link dev.hearth.sandbox.Sandbox#origin()}).
     */
    void sandboxStart(String driver, String origin, Duration took) {
        sandboxStartTimer(driver, origin).record(took);
    }

    /** An instance's guest on {@code runtime} booted and answered in {@code took}. */
    void vmBoot(String runtime, Duration took) {
        vmBootTimer(runtime).record(took);
    }

    /** A message of {@code type} crossed the link; {@code direction} is {@code in} or {@code out}. */
    void message(String direction, String type) {
        Counter.builder("hearth_agent_link_messages").description("protocol messages on the link, by direction and type")
                .tag("direction", direction).tag("type", type == null ? "unknown" : type).register(registry)
                .increment();
    }

    /** The text exposition for Prometheus. */
    public String scrape() {
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

    private Timer heartbeatTimer() {
        return ProcessMeters.histogram(registry, "hearth_agent_heartbeat_rtt",
                "from a heartbeat sent to its ack", ProcessMeters.FAST);
    }

    private Timer jobTimer(String status) {
        return ProcessMeters.histogram(registry, "hearth_agent_job_duration",
                "a job's run in its sandbox, by status", ProcessMeters.SLOW, "status", status);
    }

    private Timer sandboxStartTimer(String driver, String origin) {
        return ProcessMeters.histogram(registry, "hearth_agent_sandbox_start",
                "a job's sandbox created and started, by driver and sandbox: cold, warm (taken ready from its pool) or "
                        + "template (restored from a saved microVM)",
                ProcessMeters.SLOW, "driver", driver, "sandbox", origin);
    }

    private Timer vmBootTimer(String runtime) {
        return ProcessMeters.histogram(registry, "hearth_agent_vm_boot",
                "an instance's guest booted until it answers", ProcessMeters.SLOW, "runtime", runtime);
    }

}
