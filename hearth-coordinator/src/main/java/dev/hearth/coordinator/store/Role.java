// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Locale;

/**
 * What an API key may do. {@link #ADMIN} may do everything; {@link #CLIENT} submits and reads its own jobs and
 * instances and pays from its own {@code client:NAME} account; {@link #OPERATOR} sees its own nodes and their
 * earnings.
 */
public enum Role {
    ADMIN, CLIENT, OPERATOR;

    /** The form the API and CLI use: lowercase. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The role a text names.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.wireName().equals(text)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role '" + text + "' is invalid: one of admin, client, operator");
    }
}
