// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.core.job.Redundancy;
import java.util.Objects;

/**
 * One job of a {@link Store#submitJobs batch submission}: what {@link Store#submitJob} or (with a redundancy that is
 * {@link Redundancy#redundant() redundant}) {@link Store#submitRedundantJob} takes.
 *
 * @param id the job's id, unique
 * @param specJson the stored spec
 * @param priority higher is placed first
 * @param maxRetries how often it may be tried again after a lost lease (0 or more)
 * @param hold its price and the account it is held from
 * @param redundancy k of n copies, or {@link Redundancy#NONE} for a plain job
 */
public record NewJob(String id, String specJson, int priority, int maxRetries, HoldRequest hold,
        Redundancy redundancy) {

    /** Checks what every submission checks. */
    public NewJob {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("job id must not be blank, got '" + id + "'");
        }
        Objects.requireNonNull(specJson, "specJson");
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(redundancy, "redundancy");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries of job " + id + " must be 0 or more, got " + maxRetries);
        }
    }
}
