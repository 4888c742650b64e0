// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

/**
 * Turns an instance's health probes into the health Hearth shows. A service that was healthy is called failing only
 * after {@value #FAILS_TO_FAILING} probes in a row failed, as Docker's health check does with its retries: one probe
 * that timed out while the service was busy (a tool run, a compile, a slow host) is not an outage. A service not yet
 * seen healthy (starting, or failing already) shows each failure at once. Not thread-safe: the supervisor's thread
 * owns it.
 */
final class HealthVerdict {

    /** Failed probes in a row after which a healthy service is shown failing. */
    static final int FAILS_TO_FAILING = 3;

    private String shown = "unknown";
    private int failedInRow;

    /**
     * Takes one probe's result ("ok" or "failing: why").
     *
     * @return what to log about it, or {@code null} when nothing changed worth a line
     */
    String observe(String probe) {
        if (HealthProbe.ok(probe)) {
            failedInRow = 0;
            if (probe.equals(shown)) {
                return null;
            }
            shown = probe;
            return "health ok";
        }
        failedInRow++;
        if (HealthProbe.ok(shown) && failedInRow < FAILS_TO_FAILING) {
            return "health probe " + failedInRow + " of " + FAILS_TO_FAILING + " failed, still ok: "
                    + probe.substring("failing: ".length());
        }
        boolean quiet = probe.equals(shown) || shown.startsWith("unknown");
        shown = probe;
        return quiet ? null : "health " + probe;
    }

    /** The health to show: "ok", "failing: why" or "unknown" (nothing probed since the guest last came up). */
    String shown() {
        return shown;
    }

    /** Sets what is shown without a probe (the guest went down or away) and forgets failures counted so far. */
    void set(String health) {
        shown = health;
        failedInRow = 0;
    }
}
