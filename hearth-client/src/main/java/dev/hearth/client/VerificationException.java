// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.io.IOException;

/**
 * What the coordinator handed over does not verify: a receipt whose signature, key or job does not hold, or an
 * output file whose SHA-256 differs from the one the verified receipt names. The message names what was compared.
 * Nothing the failed check covered is kept (a downloaded file that does not match is deleted). Immutable.
 */
public final class VerificationException extends IOException {

    private static final long serialVersionUID = 1L;

    /** A failed check, described. */
    public VerificationException(String message) {
        super(message);
    }
}
