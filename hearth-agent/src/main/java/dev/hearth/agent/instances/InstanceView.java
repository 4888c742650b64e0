package dev.hearth.agent.instances;

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

    /** "running", "stopped", "missing" (no guest), "creating", or "unknown" when the runtime did not answer. */
    public String guestState() {
        if (state.desired() == InstanceState.Desired.CREATING) {
            return "creating";
        }
        if (guestError.isPresent()) {
            return "unknown";
        }
        return guest.map(g -> g.running() ? "running" : "stopped").orElse("missing");
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
