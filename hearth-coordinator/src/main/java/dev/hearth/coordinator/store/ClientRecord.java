// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A client of the network: it pays from {@code client:NAME} and owns the jobs it submits.
 *
 * @param name its name, {@link #NAME_FORM}
 * @param createdAt when it was made
 * @param disabledAt when it was disabled; {@code null} while enabled (a disabled client's keys are refused)
 * @param quota its limits
 */
public record ClientRecord(String name, Instant createdAt, Instant disabledAt, Quota quota) {

    /** What a client's (or an operator's) name may be. */
    public static final String NAME_FORM = "1 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit";

    /** Checks the required fields. */
    public ClientRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(quota, "quota");
    }

    /** Whether a text is a valid client or operator name. */
    public static boolean validName(String text) {
        return text != null && text.matches("[a-z0-9][a-z0-9._-]{0,63}");
    }

    /** Whether it is enabled. */
    public boolean enabled() {
        return disabledAt == null;
    }
}
