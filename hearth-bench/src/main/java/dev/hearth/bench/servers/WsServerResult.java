// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.bench.Samples;
import dev.hearth.core.json.Json;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The figures of one candidate in one {@code ws-servers} run.
 *
 * @param candidate the server library
 * @param version its version on the classpath
 * @param agents clients connected, all of them
 * @param intervalSeconds their heartbeat interval
 * @param windowSeconds the measurement window as it ran
 * @param connectSeconds from the first connect to the last open socket
 * @param heartbeatsSent heartbeats sent in the window
 * @param heartbeatRtt round trips (send to ack) of those acked; empty when none was
 * @param serverCpuPercent the server's CPU in the window, percent of one core
 * @param idleRssMib the server's resident memory once started, before any client connected
 * @param rssMib its resident memory at the window's end
 * @param peakRssMib its peak resident memory (VmHWM) by then
 * @param liveHeapMib its heap in use after a full collection, with all clients still connected; NaN when unknown
 * @param clientsCpuPercent this process's (all clients') CPU in the window, percent of one core
 * @param errors error answers, unexpected frames and failed sends
 * @param disconnects connections lost while the candidate ran
 */
public record WsServerResult(Candidate candidate, String version, int agents, double intervalSeconds,
        double windowSeconds, double connectSeconds, long heartbeatsSent, Optional<Samples> heartbeatRtt,
        double serverCpuPercent, double idleRssMib, double rssMib, double peakRssMib, double liveHeapMib, double clientsCpuPercent,
        long errors, long disconnects) {

    /** Heartbeats whose ack arrived. */
    public int heartbeatsAcked() {
        return heartbeatRtt.map(Samples::count).orElse(0);
    }

    /** The figures as a two-column table, one figure a line. */
    public String table() {
        StringBuilder t = new StringBuilder();
        for (Row row : ROWS) {
            t.append(String.format(Locale.ROOT, "  %-32s %s%n", row.name(), row.value().apply(this)));
        }
        return t.toString();
    }

    /** Several candidates' figures side by side, one column each, one figure a line. */
    public static String comparison(List<WsServerResult> results) {
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-32s", "figure"));
        results.forEach(r -> header.append(String.format(Locale.ROOT, " | %-28s", r.candidate.cliName())));
        StringBuilder t = new StringBuilder(header.toString().stripTrailing()).append(System.lineSeparator());
        for (Row row : ROWS) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-32s", row.name()));
            results.forEach(r -> line.append(String.format(Locale.ROOT, " | %-28s", row.value().apply(r))));
            t.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return t.toString();
    }

    private record Row(String name, Function<WsServerResult, String> value) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("server", r -> r.candidate.titleAndVersion()),
            new Row("clients", r -> String.format(Locale.ROOT, "%d (every %ss, window %.1fs)", r.agents,
                    num(r.intervalSeconds), r.windowSeconds)),
            new Row("connect all clients", r -> String.format(Locale.ROOT, "%.2f s (%.0f/s)", r.connectSeconds,
                    r.agents / r.connectSeconds)),
            new Row("heartbeats sent / acked", r -> r.heartbeatsSent + " / " + r.heartbeatsAcked()
                    + String.format(Locale.ROOT, " (%.0f/s)", r.heartbeatsSent / r.windowSeconds)),
            new Row("heartbeat rtt p50 / p99 / max", r -> r.heartbeatRtt.map(WsServerResult::millis).orElse("-")),
            new Row("server CPU (% of one core)", r -> String.format(Locale.ROOT, "%.1f%%", r.serverCpuPercent)),
            new Row("server RSS idle / end / peak", r -> String.format(Locale.ROOT, "%.0f / %.0f / %.0f MiB",
                    r.idleRssMib, r.rssMib, r.peakRssMib)),
            new Row("server live heap after full GC", r -> Double.isNaN(r.liveHeapMib) ? "-"
                    : String.format(Locale.ROOT, "%.0f MiB", r.liveHeapMib)),
            new Row("clients CPU (% of one core)", r -> String.format(Locale.ROOT, "%.1f%%", r.clientsCpuPercent)),
            new Row("errors / disconnects", r -> r.errors + " / " + r.disconnects));

    /** The figures as one JSON object; times in milliseconds, memory in MiB. */
    public ObjectNode json() {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("server", candidate.cliName()).put("version", version).put("agents", agents)
                .put("intervalSeconds", intervalSeconds).put("windowSeconds", round(windowSeconds))
                .put("connectSeconds", round(connectSeconds)).put("heartbeatsSent", heartbeatsSent)
                .put("heartbeatsAcked", heartbeatsAcked());
        heartbeatRtt.ifPresent(s -> o.put("heartbeatRttP50Millis", round(s.medianMillis()))
                .put("heartbeatRttP99Millis", round(s.percentileMillis(99)))
                .put("heartbeatRttMaxMillis", round(s.percentileMillis(100))));
        o.put("serverCpuPercentOfOneCore", round(serverCpuPercent)).put("serverIdleRssMib", round(idleRssMib))
                .put("serverRssMib", round(rssMib)).put("serverPeakRssMib", round(peakRssMib))
                .put("serverLiveHeapMib", Double.isNaN(liveHeapMib) ? null : round(liveHeapMib))
                .put("clientsCpuPercentOfOneCore", round(clientsCpuPercent)).put("errors", errors)
                .put("disconnects", disconnects);
        return o;
    }

    private static String millis(Samples s) {
        return String.format(Locale.ROOT, "%.2f / %.1f / %.1f ms", s.medianMillis(), s.percentileMillis(99),
                s.percentileMillis(100));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
