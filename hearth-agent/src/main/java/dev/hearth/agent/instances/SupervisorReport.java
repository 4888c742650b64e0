// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.time.Instant;

/**
 * What the supervisor last saw of one instance ({@code STATE_ROOT/ID/supervisor.json}), for {@code status} and
 * {@code list}. Written by the supervisor only.
 *
 * @param restarts how many times the supervisor restarted the guest after it stopped on its own
 * @param lastExit the reason of the last exit it saw ("killed by signal 9 (exit 137)"), or null
 * @param lastExitAt when that was, or null
 * @param proxy "listening 127.0.0.1:PORT", "closed", or an error
 * @param health "ok", "failing: why", or "unknown"
 * @param healthAt when health was last checked, or null
 * @param supervisorPid the process id of the supervisor that wrote it
 */
public record SupervisorReport(int restarts, String lastExit, Instant lastExitAt, String proxy, String health,
        Instant healthAt, long supervisorPid) {

    /** Before the supervisor has seen the instance. */
    public static SupervisorReport none() {
        return new SupervisorReport(0, null, null, "closed", "unknown", null, 0);
    }
}
