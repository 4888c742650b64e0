// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One webhook POST over HTTP/1.1 to the address {@link WebhookTargets#resolve} checked, never to whatever the name
 * resolves to at connect time: the socket connects to that address, while the {@code Host} header, TLS SNI and the
 * certificate's host name check use the URL's host, so a name that resolves public for the check and internal for the
 * connection (DNS rebinding) cannot reach inside. Only the status line of the answer is read (at most 8 KiB, within
 * the timeout for the whole exchange); redirects are not followed. Stateless; thread-safe.
 */
final class WebhookPost {

    private static final int MAX_STATUS_LINE = 8 * 1024;

    private WebhookPost() {
    }

    /**
     * POSTs {@code body} with {@code headers} to {@code target}.
     *
     * @return the answer's status code
     * @throws IOException when the connection, TLS or the answer fails, or the exchange takes longer than
     *     {@code timeout}
     */
    static int post(WebhookTargets.Target target, Map<String, String> headers, byte[] body, Duration connectTimeout,
            Duration timeout) throws IOException {
        URI url = target.url();
        boolean https = "https".equals(url.getScheme());
        int port = url.getPort() != -1 ? url.getPort() : https ? 443 : 80;
        long deadline = System.nanoTime() + timeout.toNanos();
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(target.address(), port), (int) connectTimeout.toMillis());
            try (Socket s = https ? tls(plain, url.getHost(), port) : plain) {
                StringBuilder head = new StringBuilder("POST ")
                        .append(url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                        .append(url.getRawQuery() == null ? "" : "?" + url.getRawQuery()).append(" HTTP/1.1\r\n")
                        .append("Host: ").append(url.getRawAuthority()).append("\r\n")
                        .append("User-Agent: hearth-webhooks\r\nConnection: close\r\n")
                        .append("Content-Length: ").append(body.length).append("\r\n");
                headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
                head.append("\r\n");
                OutputStream out = s.getOutputStream();
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return status(s, deadline, url);
            }
        } finally {
            plain.close();
        }
    }

    private static Socket tls(Socket plain, String host, int port) throws IOException {
        SSLContext context;
        try {
            context = SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no default TLS context in this JDK", e);
        }
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
        if (!host.contains(":") && !host.matches("[0-9.]+")) {
            p.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        return ssl;
    }

    private static int status(Socket s, long deadline, URI url) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no status line from " + url.getHost() + " within the timeout");
            }
            s.setSoTimeout((int) Math.max(1, left / 1_000_000));
            int c = in.read();
            if (c < 0 || c == '\n') {
                break;
            }
            if (line.length() >= MAX_STATUS_LINE) {
                throw new IOException("the answer of " + url.getHost() + " has no status line within "
                        + MAX_STATUS_LINE + " bytes");
            }
            line.append((char) c);
        }
        String[] parts = line.toString().strip().split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException("the answer of " + url.getHost() + " is not HTTP/1.x: '"
                    + line.substring(0, Math.min(80, line.length())) + "'");
        }
        return Integer.parseInt(parts[1]);
    }
}
