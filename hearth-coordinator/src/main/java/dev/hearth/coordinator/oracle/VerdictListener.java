// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

/**
 * Hears each verdict once it is stored and the job is final: the hook the ledger credits a node from (on
 * {@link Verdict#passed()}, or on an unsigned verdict when its policy pays those).
 *
 * <p>Delivery is at least once: the verdict is committed first, then every listener is called, then the verdict is
 * marked announced. A listener that throws, or a coordinator that stops between the commit and the mark, gets the
 * verdict again (after a restart, or on the next retry a minute later), so a listener must be idempotent per job
 * id (the ledger's release of a job's hold is). Called on the verifying thread; keep it short.
 */
@FunctionalInterface
public interface VerdictListener {

    /**
     * A verdict was decided.
     *
     * @param jobId the job
     * @param nodeId the node whose result it judged
     * @param verdict the outcome and every check
     */
    void verdict(String jobId, String nodeId, Verdict verdict);
}
