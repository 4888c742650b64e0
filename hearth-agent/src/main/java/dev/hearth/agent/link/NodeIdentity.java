// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import dev.hearth.core.receipt.Ed25519;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import dev.hearth.core.receipt.NodeKeys;
import java.util.Base64;
import java.util.Set;

/**
 * The node's Ed25519 identity: created on first start in the state folder as {@code node.key} (PKCS#8, base64,
 * mode 600) with {@code node.pub} beside it, and loaded on every later start. The coordinator binds the node token
 * to this key on first use, so the key is what lets a node reconnect as itself.
 */
public final class NodeIdentity {

    /** The file name of the private key in the state folder. */
    public static final String KEY_FILE = "node.key";
    /** The file name of the public key in the state folder: base64 X.509, what {@code hearth verify --key} reads. */
    public static final String PUBLIC_KEY_FILE = "node.pub";

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private NodeIdentity(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * Loads the identity from {@code stateDir}, creating it (and the folder, mode 700) when absent.
     *
     * @throws IOException when the folder or key cannot be read or written, or the key file is not a key, or it
     *     can be read by others than its owner
     */
    public static NodeIdentity loadOrCreate(Path stateDir) throws IOException {
        StateFolder.ensure(stateDir);
        Path keyFile = stateDir.resolve(KEY_FILE);
        if (!Files.exists(keyFile)) {
            create(stateDir, keyFile);
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
        if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException("node key " + keyFile + " is readable by others (mode "
                    + PosixFilePermissions.toString(mode) + "); run chmod 600 " + keyFile);
        }
        try {
            byte[] pkcs8 = Base64.getMimeDecoder().decode(Files.readString(keyFile).trim());
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            Path pubFile = stateDir.resolve(PUBLIC_KEY_FILE);
            PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(
                    Base64.getMimeDecoder().decode(Files.readString(pubFile).trim())));
            return new NodeIdentity(priv, pub);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("node key " + keyFile + " is not an Ed25519 key in base64 PKCS#8: " + e.getMessage(),
                    e);
        }
    }

    private static void create(Path stateDir, Path keyFile) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK since 15 has Ed25519", e);
        }
        Path tmp = Files.createTempFile(stateDir, "node.key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n");
        Files.writeString(stateDir.resolve(PUBLIC_KEY_FILE),
                Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n");
        try {
            Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
        }
    }

    /** The public key as the protocol sends it: base64 of its X.509 encoding. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /** The key's fingerprint, as receipts name it ({@link NodeKeys#fingerprint}). */
    public String fingerprint() {
        return NodeKeys.fingerprint(publicKey);
    }

    /** Base64 of the Ed25519 signature of {@code data}. */
    public String sign(byte[] data) {
        return Base64.getEncoder().encodeToString(Ed25519.sign(privateKey, data));
    }

    @Override
    public String toString() {
        return "NodeIdentity[" + publicKeyBase64() + "]";
    }
}
