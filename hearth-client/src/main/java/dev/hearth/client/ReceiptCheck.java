// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptVerifier;
import dev.hearth.core.receipt.SignedReceipt;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.security.PublicKey;
import java.util.List;

/**
 * A receipt as served, before it is trusted: {@link #verify} checks it as {@code hearth verify} does (format, the
 * job it names, the key's fingerprint, the Ed25519 signature over the canonical bytes) with hearth-core's
 * {@link ReceiptVerifier}. Immutable.
 */
record ReceiptCheck(String jobId, SignedReceipt signed, java.util.Optional<String> servedKey) {

    /** A receipt checked with keys the caller brings (no key served with it). */
    ReceiptCheck(String jobId, SignedReceipt signed) {
        this(jobId, signed, java.util.Optional.empty());
    }

    static ReceiptCheck fetch(Transport transport, String jobId) throws IOException, InterruptedException {
        HttpRequest req = transport.request(Endpoint.JOB_RECEIPT, List.of(jobId), null, transport.callTimeout())
                .GET().build();
        java.net.http.HttpResponse<String> answer = transport.send(Endpoint.JOB_RECEIPT, req, transport.callTimeout());
        try {
            // the key the signing node registered, served with the receipt (Hearth-Node-Key); verify() still checks
            // it against the receipt's fingerprint
            return new ReceiptCheck(jobId, SignedReceipt.parse("receipt of job " + jobId, answer.body()),
                    answer.headers().firstValue("Hearth-Node-Key"));
        } catch (InvalidInputException e) {
            throw new VerificationException(e.getMessage());
        }
    }

    VerifiedReceipt verify(PublicKey key) throws VerificationException {
        Receipt r = signed.receipt();
        if (!Receipt.FORMAT.equals(r.format())) {
            throw new VerificationException("the receipt of job " + jobId + " has format " + r.format()
                    + "; this client reads " + Receipt.FORMAT);
        }
        if (!jobId.equals(r.jobId())) {
            throw new VerificationException("the receipt served for job " + jobId + " is the receipt of job "
                    + r.jobId());
        }
        String fingerprint = NodeKeys.fingerprint(key);
        if (!fingerprint.equals(r.nodeKeyFingerprint())) {
            throw new VerificationException("the receipt of job " + jobId + " names key " + r.nodeKeyFingerprint()
                    + "; the node's key is " + fingerprint);
        }
        if (!ReceiptVerifier.verifies(r, signed.signature(), key)) {
            throw new VerificationException("the Ed25519 signature of the receipt of job " + jobId
                    + " does not verify with key " + fingerprint + ": it was changed or signed by another key");
        }
        return new VerifiedReceipt(signed, fingerprint);
    }
}
