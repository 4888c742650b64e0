// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.store.Check;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.coordinator.store.VerdictRecord;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The oracle's judgement of one result: the outcome and every check in the order they ran.
 *
 * @param jobId the job
 * @param epoch the lease epoch of the result
 * @param nodeId the node that sent it
 * @param outcome {@link VerdictOutcome#PASSED}, {@link VerdictOutcome#FAILED} or {@link VerdictOutcome#UNSIGNED}
 * @param checks every check
 */
public record Verdict(String jobId, long epoch, String nodeId, VerdictOutcome outcome, List<Check> checks) {

    public Verdict {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(outcome, "outcome");
        checks = List.copyOf(checks);
    }

    /** The verdict the checks add up to: failed if any fails, unsigned if the result had no receipt, else passed. */
    static Verdict of(String jobId, long epoch, String nodeId, boolean unsigned, List<Check> checks) {
        boolean failed = checks.stream().anyMatch(Check::failed);
        return new Verdict(jobId, epoch, nodeId,
                failed ? VerdictOutcome.FAILED : unsigned ? VerdictOutcome.UNSIGNED : VerdictOutcome.PASSED, checks);
    }

    /** Whether every check held and the result was signed: the only verdict that credits a node without a policy. */
    public boolean passed() {
        return outcome == VerdictOutcome.PASSED;
    }

    /** The first check that failed: the reason the result was refused. */
    public Optional<Check> failure() {
        return checks.stream().filter(Check::failed).findFirst();
    }

    /** The stored form. */
    VerdictRecord record() {
        return new VerdictRecord(jobId, epoch, nodeId, outcome, failure().map(Check::name).orElse(null),
                failure().map(Check::detail).orElse(null), VerdictRecord.checksJson(checks), null, 0, null);
    }

    /** A stored verdict read back; empty while it is pending. */
    static Optional<Verdict> from(VerdictRecord r) {
        if (r.outcome() == VerdictOutcome.PENDING) {
            return Optional.empty();
        }
        return Optional.of(new Verdict(r.jobId(), r.epoch(), r.nodeId(), r.outcome(), r.checks()));
    }
}
