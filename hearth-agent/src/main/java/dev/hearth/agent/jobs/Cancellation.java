// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop a running job early, with its reason. The runner that holds it stops the sandbox (grace, then
 * kill) and reports the job as {@code error} with the reason and the output so far. Thread-safe; the first reason
 * wins.
 */
public final class Cancellation {

    private final AtomicReference<String> reason = new AtomicReference<>();

    /** Asks the job to stop; later calls keep the first reason. */
    public void cancel(String why) {
        reason.compareAndSet(null, why);
    }

    /** The reason, once cancellation was asked for. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason.get());
    }
}
