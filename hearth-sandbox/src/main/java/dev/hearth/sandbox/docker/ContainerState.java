// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import java.time.Instant;
import java.util.Optional;

/**
 * What the engine says about one container now.
 *
 * @param id the engine's id
 * @param running whether its main process runs
 * @param exitCode the last exit code (meaningful when not running and it ran before)
 * @param oomKilled whether the kernel killed it for memory
 * @param startedAt when it last started, if ever
 * @param finishedAt when it last stopped, if ever
 * @param ipAddress its address on the engine's bridge while it runs, if any
 * @param error the engine's error text for a failed start, or empty
 */
public record ContainerState(String id, boolean running, long exitCode, boolean oomKilled,
        Optional<Instant> startedAt, Optional<Instant> finishedAt, Optional<String> ipAddress, String error) {

    /** A one-line reason for the last exit, as a person reads it: "exit 0", "killed (exit 137)", "out of memory". */
    public String exitReason() {
        if (oomKilled) {
            return "out of memory (exit " + exitCode + ")";
        }
        if (exitCode > 128 && exitCode < 160) {
            return "killed by signal " + (exitCode - 128) + " (exit " + exitCode + ")";
        }
        return error.isBlank() ? "exit " + exitCode : "exit " + exitCode + ": " + error;
    }
}
