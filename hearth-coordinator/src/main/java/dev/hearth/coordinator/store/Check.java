// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Locale;
import java.util.Objects;

/**
 * One check of a result and what it found.
 *
 * @param name the check's stable name ({@code lease}, {@code unsigned}, {@code node_key}, {@code signature},
 *     {@code replay}, {@code receipt}, {@code hashes}, {@code timing}, {@code completion}); docs/protocol.md lists them
 * @param outcome whether it holds, fails, or did not apply
 * @param detail what it found, with the values compared
 */
public record Check(String name, Outcome outcome, String detail) {

    /** What a check found. */
    public enum Outcome {
        /** The check holds. */
        HOLDS,
        /** The check fails: the result is refused. */
        FAILS,
        /** The check does not apply to this result (a v2.0 result has no receipt to check). */
        SKIPPED;

        /** The wire name: {@code holds}, {@code fails}, {@code skipped}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Check {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }

    public static Check holds(String name, String detail) {
        return new Check(name, Outcome.HOLDS, detail);
    }

    public static Check fails(String name, String detail) {
        return new Check(name, Outcome.FAILS, detail);
    }

    public static Check skipped(String name, String detail) {
        return new Check(name, Outcome.SKIPPED, detail);
    }

    public static Check of(String name, boolean holds, String detail) {
        return holds ? holds(name, detail) : fails(name, detail);
    }

    /** Whether it failed. */
    public boolean failed() {
        return outcome == Outcome.FAILS;
    }
}
