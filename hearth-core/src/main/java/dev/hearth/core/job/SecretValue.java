// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import java.util.Objects;

/**
 * A secret handed to a workload (an API key, a token). Its {@link #toString()} never shows the value, so a
 * secret that reaches a log line, an exception message or a debugger prints as {@code ****}.
 */
public final class SecretValue {

    private final String value;

    private SecretValue(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** Wraps a secret's value. */
    public static SecretValue of(String value) {
        return new SecretValue(value);
    }

    /** The value itself: call only where it is handed to the sandbox. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretValue other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
