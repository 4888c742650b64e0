// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.bench.Samples;
import dev.hearth.core.json.Json;
import java.util.Locale;
import java.util.Optional;

/**
 * The figures of one {@code agents-sim} run.
 *
 * @param agents simulated agents, all registered
 * @param intervalSeconds their heartbeat interval
 * @param windowSeconds the measurement window as it ran
 * @param registerSeconds from the first connect to the last {@code registered}
 * @param heartbeatsSent heartbeats sent in the window
 * @param heartbeatRtt round trips (heartbeat to ack) of those acked; empty when none was
 * @param jobsSubmitted jobs submitted at the window's start
 * @param submitSeconds from the first POST's start to the last one's answer
 * @param jobsOffered of those, how many reached an agent as an offer (by the end of the grace period)
 * @param placedPerSecond offers per second, from the first submission to the last offer
 * @param submitToOffer per job, from the start of its POST to its offer's arrival; empty without jobs
 * @param resultsAccepted results the coordinator acknowledged as accepted
 * @param coordinatorCpuPercent the coordinator's CPU in the window, percent of one core
 * @param coordinatorRssMib the coordinator's resident memory at the window's end
 * @param coordinatorPeakRssMib its peak resident memory (VmHWM) by then
 * @param agentsCpuPercent this process's (all agents') CPU in the window, percent of one core
 * @param errors error messages and failed sends
 * @param disconnects connections lost while registered
 * @param store where the coordinators kept their store, and how many there were ("sqlite", "postgresql, 2
 *     coordinators")
 * @param batch jobs per submission call (1: {@code POST /v1/jobs} each)
 */
public record AgentsSimResult(int agents, double intervalSeconds, double windowSeconds, double registerSeconds,
        long heartbeatsSent, Optional<Samples> heartbeatRtt, int jobsSubmitted, double submitSeconds, int jobsOffered,
        double placedPerSecond, Optional<Samples> submitToOffer, long resultsAccepted, double coordinatorCpuPercent,
        double coordinatorRssMib, double coordinatorPeakRssMib, double agentsCpuPercent, long errors,
        long disconnects, String store, int batch) {

    /** Heartbeats whose ack arrived. */
    public int heartbeatsAcked() {
        return heartbeatRtt.map(Samples::count).orElse(0);
    }

    /** The figures as a two-column table, one figure a line. */
    public String table() {
        StringBuilder t = new StringBuilder();
        row(t, "store", store);
        row(t, "agents", String.format(Locale.ROOT, "%d (heartbeat every %ss, window %.1fs)", agents,
                num(intervalSeconds), windowSeconds));
        row(t, "register all agents", String.format(Locale.ROOT, "%.1f s (%.0f/s)", registerSeconds,
                agents / registerSeconds));
        row(t, "heartbeats sent / acked", heartbeatsSent + " / " + heartbeatsAcked() + String.format(Locale.ROOT,
                " (%.0f/s)", heartbeatsSent / windowSeconds));
        row(t, "heartbeat rtt p50 / p99 / max", heartbeatRtt.map(AgentsSimResult::millis).orElse("-"));
        row(t, "jobs submitted / offered", jobsSubmitted + " / " + jobsOffered + " (results accepted "
                + resultsAccepted + ")");
        row(t, "jobs submitted per second", jobsSubmitted == 0 ? "-" : String.format(Locale.ROOT,
                "%.1f (in %.1f s, %d per call)", jobsSubmitted / submitSeconds, submitSeconds, batch));
        row(t, "jobs placed per second", jobsOffered == 0 ? "-" : String.format(Locale.ROOT, "%.1f", placedPerSecond));
        row(t, "submit to offer p50 / p99 / max", submitToOffer.map(AgentsSimResult::millis).orElse("-"));
        row(t, "coordinator CPU (all)", String.format(Locale.ROOT, "%.1f%% of one core", coordinatorCpuPercent));
        row(t, "coordinator RSS / peak (largest)", String.format(Locale.ROOT, "%.0f MiB / %.0f MiB", coordinatorRssMib,
                coordinatorPeakRssMib));
        row(t, "agents process CPU", String.format(Locale.ROOT, "%.1f%% of one core", agentsCpuPercent));
        row(t, "errors / disconnects", errors + " / " + disconnects);
        return t.toString();
    }

    /** The figures as one JSON object; times in milliseconds, memory in MiB. */
    public String json() {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("benchmark", "agents-sim").put("store", store).put("agents", agents).put("intervalSeconds", intervalSeconds)
                .put("windowSeconds", round(windowSeconds)).put("registerSeconds", round(registerSeconds))
                .put("heartbeatsSent", heartbeatsSent).put("heartbeatsAcked", heartbeatsAcked());
        heartbeatRtt.ifPresent(s -> percentiles(o, "heartbeatRtt", s));
        o.put("jobsSubmitted", jobsSubmitted).put("jobsPerCall", batch).put("submitSeconds", round(submitSeconds))
                .put("jobsOffered", jobsOffered)
                .put("jobsPlacedPerSecond", round(placedPerSecond)).put("resultsAccepted", resultsAccepted);
        submitToOffer.ifPresent(s -> percentiles(o, "submitToOffer", s));
        o.put("coordinatorCpuPercentOfOneCore", round(coordinatorCpuPercent))
                .put("coordinatorRssMib", round(coordinatorRssMib)).put("coordinatorPeakRssMib",
                        round(coordinatorPeakRssMib))
                .put("agentsCpuPercentOfOneCore", round(agentsCpuPercent)).put("errors", errors)
                .put("disconnects", disconnects);
        return o.toString();
    }

    private static void percentiles(ObjectNode o, String name, Samples s) {
        o.put(name + "P50Millis", round(s.medianMillis())).put(name + "P99Millis", round(s.percentileMillis(99)))
                .put(name + "MaxMillis", round(s.percentileMillis(100)));
    }

    private static String millis(Samples s) {
        return String.format(Locale.ROOT, "%.1f ms / %.1f ms / %.1f ms", s.medianMillis(), s.percentileMillis(99),
                s.percentileMillis(100));
    }

    private static void row(StringBuilder t, String name, String value) {
        t.append(String.format(Locale.ROOT, "  %-32s %s%n", name, value));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
