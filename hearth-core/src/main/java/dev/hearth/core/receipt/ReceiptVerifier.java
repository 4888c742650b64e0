// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import java.security.PublicKey;
import java.util.Base64;

/** Checks receipt signatures against a node's Ed25519 public key. Stateless and thread-safe. */
public final class ReceiptVerifier {

    private ReceiptVerifier() {
    }

    /**
     * Whether {@code signatureBase64} is {@code key}'s Ed25519 signature of the receipt's {@link
     * Receipt#signingInput()}. Anything malformed (not base64, wrong length, not an Ed25519 key) is simply false.
     */
    public static boolean verifies(Receipt receipt, String signatureBase64, PublicKey key) {
        if (receipt == null || signatureBase64 == null || key == null) {
            return false;
        }
        try {
            return Ed25519.verify(key, receipt.signingInput(), Base64.getDecoder().decode(signatureBase64.strip()));
        } catch (IllegalArgumentException e) {
            return false; // not base64
        }
    }
}
