// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a sandbox may reach on the network. */
public enum NetworkMode {
    /** No network interface but loopback: the default for jobs. */
    NONE,
    /** Outbound access through the host's NAT; nothing is published unless asked. */
    NAT;

    /** The name used on the command line and in documents: {@code none}, {@code nat}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a wire name for the named field.
     *
     * @throws InvalidInputException naming the field when the value is not one of the modes
     */
    public static NetworkMode parse(String field, String text) {
        for (NetworkMode mode : values()) {
            if (mode.wireName().equals(text)) {
                return mode;
            }
        }
        throw new InvalidInputException(field, text, "one of "
                + Arrays.stream(values()).map(NetworkMode::wireName).collect(Collectors.joining(", ")));
    }
}
