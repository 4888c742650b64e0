// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.protocol.InstanceReport;
import dev.hearth.sandbox.GuestStatus;
import java.util.Optional;

/**
 * One instance as {@code list} and {@code status} show it: its state, what its runtime says now, what the supervisor
 * last reported, and whether a supervisor runs.
 *
 * @param state the state file
 * @param guest the guest's status, empty when the guest is missing
 * @param guestError why the guest's status could not be read, or empty
 * @param report the supervisor's last report
 * @param supervised whether a supervisor runs for the state root now
 */
public record InstanceView(InstanceState state, Optional<GuestStatus> guest, Optional<String> guestError,
        SupervisorReport report, boolean supervised) {

    /**
     * This instance as the protocol reports it to the coordinator, and as {@code hearth instance list --json} prints
     * it: no secret, no token.
     */
    public InstanceReport protocolReport() {
        String ip = state.guestIp() != null ? state.guestIp() : guest.flatMap(g -> g.address()).orElse(null);
        return new InstanceReport(state.id(), state.runtime().label(),
                state.desired().name().toLowerCase(java.util.Locale.ROOT), guestState(), health(), proxy(),
                state.hostPort(), ip, report.restarts(), report.lastExit(),
                state.createdAt() == null ? null : state.createdAt().toString());
    }

    /**
     * "running", "stopped", "paused" (saved to disk), "missing" (no guest), "creating", or "unknown" when the runtime
     * did not answer.
     */
    public String guestState() {
        if (state.desired() == InstanceState.Desired.CREATING) {
            return "creating";
        }
        if (guestError.isPresent()) {
            return "unknown";
        }
        return guest.map(g -> g.running() ? "running"
                : g.lastExit().filter(e -> e.startsWith("paused")).isPresent() ? "paused" : "stopped").orElse("missing");
    }

    /** The proxy's state as the supervisor reported it, or "down (no supervisor)". */
    public String proxy() {
        return supervised ? report.proxy() : "down (no supervisor)";
    }

    /** The last health the supervisor saw, "-" when the instance is not meant to run. */
    public String health() {
        if (!supervised || state.desired() != InstanceState.Desired.RUNNING) {
            return "-";
        }
        return report.health();
    }
}
