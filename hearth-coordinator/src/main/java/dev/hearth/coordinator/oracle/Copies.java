// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.oracle.CopyComparison.Copy;
import dev.hearth.coordinator.oracle.CopyComparison.Judgement;
import dev.hearth.coordinator.oracle.CopyComparison.Outcome;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.coordinator.store.VerdictRecord;
import dev.hearth.core.protocol.JobResultMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A k-of-n job's copies as the store holds them now, and what they decide ({@link CopyComparison}). Read by the
 * {@link CopyJudge} to end the job and by the ledger to pay the agreeing copies; both recompute it from the store,
 * so neither depends on the other having run (a crash between them loses nothing).
 *
 * @param parent the k-of-n job
 * @param copies its copies, by number
 * @param views what the comparison saw of each, by number
 * @param outcome what they decide
 */
public record Copies(JobRecord parent, List<JobRecord> copies, List<Copy> views, Outcome outcome) {

    /** The copies of {@code parentId}; empty when it is not a k-of-n job. */
    public static Optional<Copies> of(Store store, String parentId) {
        Optional<JobRecord> parent = store.job(parentId).filter(p -> p.redundancy().redundant());
        if (parent.isEmpty()) {
            return Optional.empty();
        }
        List<JobRecord> copies = store.copies(parentId);
        List<Copy> views = new ArrayList<>();
        for (JobRecord c : copies) {
            views.add(view(store, c));
        }
        return Optional.of(new Copies(parent.get(), copies, views,
                CopyComparison.compare(parent.get().redundancy(), views)));
    }

    /** Whether copy {@code copyId} is in the agreeing majority (so its node is paid its share). */
    public boolean agrees(String copyId) {
        return outcome instanceof CopyComparison.Agreed a && a.agreeing().stream()
                .anyMatch(v -> copies.get(v.index() - 1).id().equals(copyId));
    }

    private static Copy view(Store store, JobRecord c) {
        Optional<VerdictRecord> verdict = store.verdict(c.id()).filter(v -> v.outcome() != VerdictOutcome.PENDING);
        Judgement judgement = verdict.isPresent()
                ? (verdict.get().outcome() == VerdictOutcome.PASSED ? Judgement.PASSED : Judgement.FAILED)
                : c.state().isFinal() ? Judgement.FAILED : Judgement.PENDING; // lost out of attempts, or cancelled
        Optional<ResultRecord> result = store.result(c.id());
        if (judgement != Judgement.PASSED || result.isEmpty()) {
            return new Copy(c.copyIndex(), c.nodeId(), judgement, null, List.of());
        }
        JobResultMessage m = result.get().message();
        return new Copy(c.copyIndex(), result.get().nodeId(), judgement, m.logsHash(),
                m.receipt() == null ? List.of() : m.receipt().outputs());
    }

}
