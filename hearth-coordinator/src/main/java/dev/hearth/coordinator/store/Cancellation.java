// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Optional;

/** What {@link Store#cancelJob} did. */
public sealed interface Cancellation {

    /**
     * The job is now {@link JobState#CANCELLED}.
     *
     * @param before its state before
     * @param heldBy the node that held it under a live lease, which should be told to stop it
     */
    record Cancelled(JobState before, Optional<String> heldBy) implements Cancellation {
    }

    /**
     * The job had already ended; nothing changed.
     *
     * @param state its final state, or {@link JobState#VERIFYING} when its result is in and awaits its verdict
     */
    record AlreadyFinal(JobState state) implements Cancellation {
    }

    /** No such job. */
    record UnknownJob() implements Cancellation {
    }
}
