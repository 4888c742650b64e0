// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.tls.CertificateFingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How the agent and the CLI trust a coordinator's TLS certificate: the JDK's default CAs, a CA file (PEM; the
 * host name is checked as usual), or a pinned SHA-256 fingerprint of the certificate itself (the certificate must be
 * exactly that one; nothing else is checked, as the pin names it). Immutable.
 */
public final class CoordinatorTrust {

    private CoordinatorTrust() {
    }

    /**
     * A TLS context that accepts exactly the certificate whose SHA-256 is {@code fingerprint}.
     *
     * @throws InvalidInputException naming {@code field} when the fingerprint is not
     *     {@link CertificateFingerprint#FORM}
     */
    public static SSLContext pinned(String field, String fingerprint) {
        String wanted = CertificateFingerprint.normalise(field, fingerprint);
        return context(new Pinned(wanted));
    }

    /**
     * A TLS context that trusts the CA certificates in a PEM file (and checks the host name as usual).
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static SSLContext ca(Path pemFile) throws IOException {
        try (InputStream in = Files.newInputStream(pemFile)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            if (i == 0) {
                throw new IOException(pemFile + " holds no PEM certificate: give the CA certificate the coordinator's "
                        + "certificate was issued by (or, for a self-signed one, the certificate itself)");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + pemFile + " as a CA file: " + e.getMessage(), e);
        }
    }

    private static SSLContext context(X509ExtendedTrustManager trust) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make a TLS context", e);
        }
    }

    /** Accepts the one server certificate whose fingerprint is pinned; never a client. */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final String wanted;

        Pinned(String wanted) {
            this.wanted = wanted;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the coordinator sent no certificate");
            }
            String got = CertificateFingerprint.of(chain[0]);
            if (!MessageDigest.isEqual(got.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    wanted.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                throw new CertificateException("the coordinator's certificate has SHA-256 fingerprint " + got
                        + ", not the pinned " + wanted + ": refusing it (a different server, or the certificate "
                        + "changed; check the fingerprint the coordinator printed)");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a pinned coordinator trust checks servers only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
