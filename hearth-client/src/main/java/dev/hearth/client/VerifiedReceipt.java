// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.SignedReceipt;
import java.util.Optional;

/**
 * A job's receipt whose Ed25519 signature verified here, with the node key it verified under: what the node
 * states about the run (image digest, command, limits, exit, hashes of the logs and of every output file).
 * Immutable.
 *
 * @param signed the receipt and its signature, as the coordinator served them
 * @param nodeKeyFingerprint {@code sha256:} fingerprint of the key that verified it
 */
public record VerifiedReceipt(SignedReceipt signed, String nodeKeyFingerprint) {

    /** What the node states. */
    public Receipt receipt() {
        return signed.receipt();
    }

    /**
     * The SHA-256 the receipt names for an output: {@code path} as the outputs list names it, relative to
     * {@code /job/out} or absolute in the sandbox.
     */
    public Optional<String> outputSha256(String path) {
        String absolute = path.startsWith("/") ? path : "/job/out/" + path;
        return signed.receipt().outputs().stream().filter(f -> f.path().equals(absolute)).findFirst()
                .map(dev.hearth.core.receipt.OutputFile::sha256);
    }
}
