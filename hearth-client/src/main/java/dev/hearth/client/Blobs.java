// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Content-addressed uploads ({@code /v1/blobs/sha256:…}): a file is hashed here, asked for with {@code HEAD} and
 * sent with {@code PUT} only when the coordinator lacks it, so an input shared by many jobs travels once. The
 * coordinator checks the digest of what arrives ({@code 422 digest_mismatch}) and its size caps ({@code 413
 * too_large} or {@code quota_exceeded}). Thread-safe.
 */
public final class Blobs {

    private final Transport transport;
    private final RetryPolicy retries;
    private final Duration transferTimeout;

    Blobs(Transport transport, RetryPolicy retries, Duration transferTimeout) {
        this.transport = transport;
        this.retries = retries;
        this.transferTimeout = transferTimeout;
    }

    /**
     * Makes sure the coordinator holds {@code file}'s content; returns its digest and size. Transport errors and
     * 5xx answers are retried under the client's {@link RetryPolicy} (a PUT of the same digest is idempotent).
     *
     * @throws HearthApiException when the coordinator refuses it (too large, over quota, digest mismatch)
     * @throws IOException when the file cannot be read or the coordinator cannot be reached
     */
    public BlobRef upload(Path file) throws IOException, InterruptedException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("input " + file + " must be a readable regular file");
        }
        long size = Files.size(file);
        String digest = "sha256:" + sha256(file);
        return retries.run(() -> {
            if (exists(digest)) {
                return new BlobRef(digest, size, false);
            }
            HttpRequest put = transport.request(Endpoint.PUT_BLOB, List.of(digest), null, transferTimeout)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
            JsonNode made = Transport.parse(Endpoint.PUT_BLOB, transport.send(Endpoint.PUT_BLOB, put,
                    transferTimeout).body());
            String stored = made.path("digest").asText(digest);
            if (!stored.equals(digest)) {
                throw new VerificationException("the coordinator stored " + file + " as " + stored
                        + " but its content here is " + digest);
            }
            return new BlobRef(digest, made.path("size").asLong(size), true);
        });
    }

    /** Whether the coordinator holds the blob {@code digest} ({@code sha256:<hex>}). */
    public boolean exists(String digest) throws IOException, InterruptedException {
        HttpRequest head = transport.request(Endpoint.BLOB_EXISTS, List.of(digest), null, transport.callTimeout())
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        try {
            transport.send(Endpoint.BLOB_EXISTS, head, transport.callTimeout());
            return true;
        } catch (HearthApiException e) {
            if (e.status() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** SHA-256 of a file's content, lower-case hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
