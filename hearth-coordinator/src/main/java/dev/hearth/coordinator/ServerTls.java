// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import dev.hearth.core.tls.CertificateFingerprint;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The coordinator's TLS identity: a PEM certificate (chain) and key the admin gives, or a self-signed one made on
 * first start in the data folder ({@code tls-cert.pem}, {@code tls-key.pem} mode 600; EC P-256, valid 10 years,
 * naming the listen host, localhost, 127.0.0.1 and ::1). Clients pin its SHA-256 {@link #fingerprint()}.
 * Immutable.
 *
 * @param context the server's TLS context
 * @param certificate the leaf certificate it presents
 */
public record ServerTls(SSLContext context, X509Certificate certificate) {

    /** The self-signed certificate's file in the data folder. */
    public static final String CERT_FILE = "tls-cert.pem";
    /** The self-signed key's file in the data folder (mode 600). */
    public static final String KEY_FILE = "tls-key.pem";

    /** The certificate's SHA-256 fingerprint, as {@code --tls-fingerprint} takes it. */
    public String fingerprint() {
        return CertificateFingerprint.of(certificate);
    }

    /**
     * Loads a PEM certificate (chain, leaf first) and its PEM private key.
     *
     * @throws IOException when either cannot be read or parsed
     */
    public static ServerTls fromPem(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try (var in = Files.newInputStream(certFile)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the TLS certificate " + certFile + " (PEM expected): " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(certFile + " holds no PEM certificate");
        }
        return new ServerTls(context(readKey(keyFile), chain), chain.get(0));
    }

    /**
     * The self-signed identity in {@code dataDir}, made on first start.
     *
     * @param host the address the coordinator listens on, named in the certificate
     * @throws IOException when the files cannot be made or read, or the key file is readable by others
     */
    public static ServerTls selfSigned(Path dataDir, String host) throws IOException {
        Path cert = dataDir.resolve(CERT_FILE);
        Path key = dataDir.resolve(KEY_FILE);
        if (!Files.exists(cert) || !Files.exists(key)) {
            create(cert, key, host);
        }
        var mode = Files.getPosixFilePermissions(key);
        if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
            throw new IOException(key + " is readable by others; make it mode 600: chmod 600 " + key);
        }
        return fromPem(cert, key);
    }

    private static void create(Path cert, Path key, String host) throws IOException {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = gen.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=hearth-coordinator");
            List<GeneralName> names = new ArrayList<>(List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1")));
            if (!host.equals("localhost") && !host.equals("127.0.0.1") && !host.equals("0.0.0.0")
                    && !host.equals("::")) {
                names.add(new GeneralName(host.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName,
                        host));
            }
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(3650))), name,
                    pair.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)));
            X509Certificate made = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            try {
                Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException raced) {
                return; // another coordinator process made it first
            }
            // PKCS#8, with the curve named in the algorithm identifier, as every PEM reader takes it
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64,
                    "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate()
                    .getEncoded()) + "\n-----END PRIVATE KEY-----\n");
            Files.writeString(cert, pem(made));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the coordinator's self-signed TLS certificate: " + e.getMessage(), e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    private static PrivateKey readKey(Path keyFile) throws IOException {
        try (Reader in = Files.newBufferedReader(keyFile); PEMParser parser = new PEMParser(in)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return switch (o) {
                case PEMKeyPair kp -> converter.getPrivateKey(kp.getPrivateKeyInfo());
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case null, default -> throw new IOException(keyFile + " holds no PEM private key (PKCS#8 or "
                        + "traditional, unencrypted)");
            };
        }
    }

    private static SSLContext context(PrivateKey key, List<X509Certificate> chain) throws IOException {
        try {
            char[] none = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("coordinator", key, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("the TLS key does not fit its certificate: " + e.getMessage(), e);
        }
    }

    /** Which TLS identity a coordinator serves with, if any. */
    public sealed interface Mode {
        /** Plain HTTP/WS. */
        record Off() implements Mode {
        }

        /** A self-signed certificate in the data folder, made on first start. */
        record SelfSigned() implements Mode {
        }

        /** The admin's PEM certificate (chain) and key. */
        record Pem(Path cert, Path key) implements Mode {
        }

        /** The identity this mode names, if any. */
        default Optional<ServerTls> load(Path dataDir, String host) throws IOException {
            return switch (this) {
                case Off o -> Optional.empty();
                case SelfSigned s -> Optional.of(selfSigned(dataDir, host));
                case Pem p -> Optional.of(fromPem(p.cert(), p.key()));
            };
        }
    }
}
