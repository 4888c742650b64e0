// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/**
 * A node token just created: the plaintext, shown to the admin this once and never stored, and the stored record.
 * {@link #toString()} hides the plaintext, so an issued token that reaches a log line does not leak.
 *
 * @param plaintext the token to hand to a node: {@code hnt_} then 32 random bytes in unpadded base64url
 * @param record what the store keeps
 */
public record IssuedToken(String plaintext, TokenRecord record) {

    /** Checks both parts are there. */
    public IssuedToken {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(record, "record");
    }

    @Override
    public String toString() {
        return "IssuedToken[plaintext=****, record=" + record + "]";
    }
}
