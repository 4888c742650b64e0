// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.time.Instant;

/**
 * How a sandbox's workload ended.
 *
 * @param exitCode the main process's exit code (128 + signal when killed by one)
 * @param oomKilled whether the kernel killed it for exceeding its memory limit
 * @param finishedAt when it ended, by the engine's clock
 */
public record ExitStatus(long exitCode, boolean oomKilled, Instant finishedAt) {
}
