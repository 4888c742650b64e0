// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.time.Instant;
import java.util.Optional;

/**
 * What a {@link GuestDriver} says of a guest now.
 *
 * @param running whether it runs
 * @param lastExit the reason it last stopped ("exit 0", "killed by signal 9 (exit 137)"), empty if it never did
 * @param startedAt when it last started
 * @param finishedAt when it last stopped
 * @param address the guest's address on its network while it runs
 */
public record GuestStatus(boolean running, Optional<String> lastExit, Optional<Instant> startedAt,
        Optional<Instant> finishedAt, Optional<String> address) {
}
