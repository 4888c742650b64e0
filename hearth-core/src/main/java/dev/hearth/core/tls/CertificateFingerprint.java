// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.tls;

import dev.hearth.core.InvalidInputException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A TLS certificate's SHA-256 fingerprint, as the coordinator prints it and the agent and CLI pin it: uppercase hex
 * pairs joined by ':'. Stateless.
 */
public final class CertificateFingerprint {

    /** What a fingerprint may look like when given. */
    public static final String FORM = "the certificate's SHA-256: 64 hex digits, pairs separated by ':' or not, as "
            + "the coordinator prints it at start";

    private CertificateFingerprint() {
    }

    /** The SHA-256 of a certificate's DER encoding. */
    public static String of(X509Certificate cert) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint certificate " + cert.getSubjectX500Principal(), e);
        }
    }

    /**
     * A given fingerprint in the canonical form.
     *
     * @throws InvalidInputException naming {@code field} when it is not {@link #FORM}
     */
    public static String normalise(String field, String fingerprint) {
        String hex = fingerprint == null ? "" : fingerprint.replace(":", "").toUpperCase(Locale.ROOT);
        if (!hex.matches("[0-9A-F]{64}")) {
            throw new InvalidInputException(field, fingerprint, FORM);
        }
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }
}
