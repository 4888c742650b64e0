// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/**
 * An API key just made: the plaintext, shown this once and never stored, and the stored record.
 * {@link #toString()} hides the plaintext.
 *
 * @param plaintext {@code hck_<id>_<secret>}
 * @param record what the store keeps
 */
public record IssuedKey(String plaintext, KeyRecord record) {

    /** Checks both parts are there. */
    public IssuedKey {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(record, "record");
    }

    @Override
    public String toString() {
        return "IssuedKey[plaintext=****, record=" + record + "]";
    }
}
