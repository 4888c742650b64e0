// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/** What {@link Store#acceptResult} decided about a result a node sent. Only {@link Accepted} changed anything. */
public sealed interface ResultAcceptance {

    /**
     * The result is the job's one result; the job is now {@link JobState#VERIFYING} and the result waits in the
     * verification queue for the oracle's verdict.
     *
     * @param result what was stored
     */
    record Accepted(ResultRecord result) implements ResultAcceptance {
    }

    /**
     * The result was sent under a lease that is no longer live: the job was requeued or granted again since.
     *
     * @param current the job's latest epoch (equal to the sent one when the job was requeued and not yet granted)
     */
    record StaleEpoch(long current) implements ResultAcceptance {
    }

    /**
     * The epoch is live but another node holds it.
     *
     * @param holder the node that holds the lease
     */
    record WrongNode(String holder) implements ResultAcceptance {
    }

    /** No such job. */
    record UnknownJob() implements ResultAcceptance {
    }

    /**
     * The job already ended: a result was accepted before (it may still be verifying), or it failed or was
     * cancelled.
     *
     * @param state its state: final, or {@link JobState#VERIFYING}
     */
    record AlreadyFinal(JobState state) implements ResultAcceptance {
    }
}
