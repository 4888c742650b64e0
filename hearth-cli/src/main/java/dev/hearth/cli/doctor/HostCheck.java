// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.doctor;

import java.util.Objects;

/**
 * The outcome of one check of {@code hearth doctor}.
 *
 * @param name what was checked, one word such as {@code docker} or {@code kvm}
 * @param status ok, warn (works, but degraded or optional) or fail (Hearth cannot do its work)
 * @param detail what was found, e.g. the version or the error
 * @param fix what to do about a warning or failure; empty when the check passed
 */
public record HostCheck(String name, Status status, String detail, String fix) {

    /** How a check came out. */
    public enum Status {
        /** The host has what Hearth needs here. */
        OK,
        /** It works without it, degraded, or only an optional runtime needs it. */
        WARN,
        /** Hearth cannot do its work until this is fixed. */
        FAIL
    }

    public HostCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(fix, "fix");
    }

    static HostCheck ok(String name, String detail) {
        return new HostCheck(name, Status.OK, detail, "");
    }

    /** A failure when {@code required}, else a warning. */
    static HostCheck missing(String name, boolean required, String detail, String fix) {
        return new HostCheck(name, required ? Status.FAIL : Status.WARN, detail, fix);
    }
}
