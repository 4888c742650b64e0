package dev.hearth.coordinator.oracle;

import java.util.List;
import java.util.Objects;

/**
 * How a coordinator's oracle runs.
 *
 * @param policy the operator's unsigned, timing and completion settings
 * @param listeners who hears each verdict (the ledger), in order
 * @param startPaused whether the verification queue starts paused: results are accepted and queued but not judged
 *     until {@link VerificationQueue#resume()}; for tests of the durable queue
 */
public record OracleSettings(OraclePolicy policy, List<VerdictListener> listeners, boolean startPaused) {

    /** The defaults: {@link OraclePolicy#DEFAULTS}, no listeners, running. */
    public static final OracleSettings DEFAULTS = new OracleSettings(OraclePolicy.DEFAULTS, List.of(), false);

    public OracleSettings {
        Objects.requireNonNull(policy, "policy");
        listeners = List.copyOf(listeners);
    }

    /** These settings with another policy. */
    public OracleSettings withPolicy(OraclePolicy newPolicy) {
        return new OracleSettings(newPolicy, listeners, startPaused);
    }
}
