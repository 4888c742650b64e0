// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.proof.ProofHashes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Node public keys as Hearth writes them: base64 of the key's X.509 (SubjectPublicKeyInfo) encoding, as
 * {@code register.nodeKey} and the agent's {@code node.pub} carry it. Stateless.
 */
public final class NodeKeys {

    private NodeKeys() {
    }

    /**
     * Reads a base64 X.509 Ed25519 public key (line breaks and surrounding space allowed).
     *
     * @param field names the input in an error
     * @throws InvalidInputException when it is not base64 of an Ed25519 public key
     */
    public static PublicKey parse(String field, String base64) {
        if (base64 == null || base64.isBlank()) {
            throw new InvalidInputException(field, base64, "base64 of an Ed25519 public key (X.509), as node.pub holds");
        }
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(base64.strip())));
            return key;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new InvalidInputException(field, abbreviate(base64),
                    "base64 of an Ed25519 public key (X.509), as node.pub holds");
        }
    }

    /** The key as the protocol writes it: base64 of its X.509 encoding. */
    public static String encode(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** A key's fingerprint: {@code sha256:} and the SHA-256, lower-case hex, of its X.509 encoding. */
    public static String fingerprint(PublicKey key) {
        return "sha256:" + ProofHashes.sha256Hex(key.getEncoded());
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 24 ? t.substring(0, 24) + "…" : t;
    }
}
