// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import java.security.PrivateKey;
import java.util.Base64;

/** Signs receipts with a node's Ed25519 key ({@link Ed25519}). Stateless and thread-safe. */
public final class ReceiptSigner {

    private ReceiptSigner() {
    }

    /**
     * The base64 Ed25519 signature of {@link Receipt#signingInput()}. Ed25519 is deterministic: the same receipt and
     * key always give the same signature.
     *
     * @throws IllegalArgumentException when {@code key} is not an Ed25519 private key
     */
    public static String sign(Receipt receipt, PrivateKey key) {
        return Base64.getEncoder().encodeToString(Ed25519.sign(key, receipt.signingInput()));
    }
}
