// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import dev.hearth.core.receipt.Ed25519;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The coordinator's own Ed25519 key (a JDK key pair; signatures by {@link dev.hearth.core.receipt.Ed25519}), which
 * signs what it sends out, such as settlement webhook payments. Created on first start in
 * {@code DATA/coordinator.key} (mode 600; two lines: the private key as PKCS#8 and the public key as X.509, both
 * base64); a key file others can read is refused. Immutable; thread-safe.
 */
public final class CoordinatorKey {

    /** The file name under the data folder. */
    public static final String FILE = "coordinator.key";

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private CoordinatorKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * Reads the key from {@code dataDir}, creating it on first start.
     *
     * @throws IOException when the file cannot be made or read, is readable by others, or holds no Ed25519 key
     */
    public static CoordinatorKey loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            KeyPair pair;
            try {
                pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IOException("this JDK cannot make an Ed25519 key", e);
            }
            Base64.Encoder b64 = Base64.getEncoder();
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, b64.encodeToString(pair.getPrivate().getEncoded()) + "\n"
                        + b64.encodeToString(pair.getPublic().getEncoded()) + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another coordinator process made it first: read theirs
            }
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IOException(file + " is readable by others (" + PosixFilePermissions.toString(mode)
                    + "); make it mode 600: chmod 600 " + file);
        }
        List<String> lines = Files.readAllLines(file);
        try {
            KeyFactory keys = KeyFactory.getInstance("Ed25519");
            return new CoordinatorKey(
                    keys.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines.get(0).strip()))),
                    keys.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(lines.get(1).strip()))));
        } catch (GeneralSecurityException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IOException(file + " holds no Ed25519 key pair (two base64 lines: PKCS#8, X.509)", e);
        }
    }

    /** The public key, X.509 encoded, base64: what a receiver verifies signatures with. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /** The Ed25519 signature of {@code data}, base64. */
    public String sign(byte[] data) {
        return Base64.getEncoder().encodeToString(Ed25519.sign(privateKey, data));
    }
}
