// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Locale;

/**
 * The kinds of ledger account, told apart by their id: {@code external}, {@code escrow}, {@code client:NAME},
 * {@code node:ID}, {@code stake:ID}.
 */
public enum AccountKind {
    /** The outside payment system: deposits come from it. The only account allowed below zero. */
    EXTERNAL,
    /** Job prices held between submission and settlement. */
    ESCROW,
    /** A submitter's funds. */
    CLIENT,
    /** A node's earnings. */
    NODE,
    /** A node's stake. */
    STAKE;

    /** The id of the outside world's account. */
    public static final String EXTERNAL_ID = "external";
    /** The id of the one escrow account. */
    public static final String ESCROW_ID = "escrow";

    /** The accepted forms of an account id, for error messages. */
    public static final String FORM = "external, escrow, client:NAME, node:ID or stake:ID (NAME and ID: 1 to 63 "
            + "characters of a-z, 0-9, '.', '_' or '-')";

    /**
     * The kind of an account id.
     *
     * @throws IllegalArgumentException when the id has none of the forms in {@link #FORM}
     */
    public static AccountKind of(String accountId) {
        if (EXTERNAL_ID.equals(accountId)) {
            return EXTERNAL;
        }
        if (ESCROW_ID.equals(accountId)) {
            return ESCROW;
        }
        int colon = accountId == null ? -1 : accountId.indexOf(':');
        if (colon > 0 && accountId.substring(colon + 1).matches("[a-z0-9][a-z0-9._-]{0,62}")) {
            String prefix = accountId.substring(0, colon).toUpperCase(Locale.ROOT);
            if (prefix.equals("CLIENT") || prefix.equals("NODE") || prefix.equals("STAKE")) {
                return valueOf(prefix);
            }
        }
        throw new IllegalArgumentException("account '" + accountId + "' is not one of " + FORM);
    }

    /** The earnings account of a node. */
    public static String node(String nodeId) {
        return "node:" + nodeId;
    }

    /** The stake account of a node. */
    public static String stake(String nodeId) {
        return "stake:" + nodeId;
    }

    /** A submitter's account. */
    public static String client(String name) {
        return "client:" + name;
    }
}
