// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.time.Instant;
import java.util.Optional;

/**
 * The process that made a sandbox, recorded with it so that a later process can tell whether the owner is gone
 * (killed with SIGKILL, host crash) and its leftovers may be reaped. The start time tells a reused pid from the
 * owner: a process with the owner's pid but another start time is someone else. Immutable.
 *
 * @param pid the owner's process id
 * @param started the owner's start time as {@link Instant#toString()}, or empty when the system could not say
 */
public record OwnerProcess(long pid, String started) {

    public OwnerProcess {
        if (pid < 1) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        started = started == null ? "" : started;
    }

    /** This process. */
    public static OwnerProcess current() {
        ProcessHandle self = ProcessHandle.current();
        return new OwnerProcess(self.pid(), startOf(self).map(Instant::toString).orElse(""));
    }

    /**
     * Parses a recorded owner.
     *
     * @return the owner, or empty when {@code pid} is not a positive number (then nobody can judge its liveness)
     */
    public static Optional<OwnerProcess> parse(String pid, String started) {
        try {
            long p = Long.parseLong(pid == null ? "" : pid.strip());
            return p < 1 ? Optional.empty() : Optional.of(new OwnerProcess(p, started));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the owner still runs: a live process with its pid and, where both start times are known, the same
     * start time. When the start time cannot be read the live pid is given the benefit of the doubt.
     */
    public boolean alive() {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        return started.isEmpty() || startOf(p.get()).map(i -> i.toString().equals(started)).orElse(true);
    }

    private static Optional<Instant> startOf(ProcessHandle p) {
        return p.info().startInstant();
    }
}
