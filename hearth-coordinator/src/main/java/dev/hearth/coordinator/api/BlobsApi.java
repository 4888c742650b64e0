// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.blobs.BlobFiles;
import dev.hearth.coordinator.blobs.BlobLimits;
import dev.hearth.coordinator.store.Blobs;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.BlobRef;
import dev.hearth.core.units.ByteSize;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code /v1/blobs/{digest}}: a client uploads content larger than a frame once ({@code PUT}, streamed to disk while
 * hashed, kept only when it hashes to the digest), checks whether it has it ({@code HEAD}), and names it in a job's
 * {@code files[].blob}. A blob is the uploader's: another client can neither use nor probe it, even when the bytes
 * are the same (they are kept once on disk, but each owner proves it has them by uploading them). Thread-safe.
 */
public final class BlobsApi implements HttpService {

    private final Blobs blobs;
    private final BlobFiles files;
    private final BlobLimits limits;

    /** The API over the blobs' rows and files, within {@code limits}. */
    public BlobsApi(Blobs blobs, BlobFiles files, BlobLimits limits) {
        this.blobs = blobs;
        this.files = files;
        this.limits = limits;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put("/{digest}", this::put).head("/{digest}", this::head);
    }

    /** Who owns what a caller uploads: the caller's role and name ({@code client:alice}, the job owner's account). */
    static String owner(ServerRequest req) {
        return Principal.of(req).actor();
    }

    private void head(ServerRequest req, ServerResponse res) {
        String digest = req.path().pathParameters().get("digest");
        OptionalLong size = validDigest(digest) ? blobs.size(owner(req), digest) : OptionalLong.empty();
        if (size.isEmpty() || files.find(digest).isEmpty()) {
            res.status(404).send(); // a HEAD answer carries no body
            return;
        }
        res.status(200).header(HeaderNames.CONTENT_LENGTH, String.valueOf(size.getAsLong())).send();
    }

    private void put(ServerRequest req, ServerResponse res) {
        String digest = req.path().pathParameters().get("digest");
        try {
            BlobRef.checkDigest("digest", digest);
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, "digest", e.getMessage());
            return;
        }
        String owner = owner(req);
        OptionalLong had = blobs.size(owner, digest);
        if (had.isPresent() && files.find(digest).isPresent()) {
            blobs.add(owner, digest, had.getAsLong()); // touched: kept another retention period
            JsonResponses.send(res, 200, answer(digest, had.getAsLong()));
            return;
        }
        long stored = blobs.storedBytes(owner);
        long room = limits.quotaBytes() - stored;
        OptionalLong declared = req.headers().contentLength().isPresent()
                ? OptionalLong.of(req.headers().contentLength().getAsLong()) : OptionalLong.empty();
        if (declared.isPresent() && declared.getAsLong() > limits.maxBlobBytes()) {
            tooLarge(req, res);
            return;
        }
        if (declared.isPresent() ? declared.getAsLong() > room : room <= 0) {
            quotaExceeded(req, res, owner, stored);
            return;
        }
        long cap = Math.min(limits.maxBlobBytes(), room);
        try (InputStream in = req.content().inputStream()) {
            long size = files.receive(in, digest, cap, n -> blobs.add(owner, digest, n));
            JsonResponses.send(res, 201, answer(digest, size));
        } catch (BlobFiles.Refused e) {
            if (!e.tooLarge()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", "digest_mismatch");
                body.put("field", "digest");
                body.put("message", "the body hashes to " + e.actual() + ", not " + digest
                        + " as the path says: nothing was kept; send the bytes whose SHA-256 the path names");
                Access.refuse(req, res, 422, body);
            } else if (cap < limits.maxBlobBytes()) {
                quotaExceeded(req, res, owner, stored);
            } else {
                tooLarge(req, res);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("blob " + digest + " of " + owner + " could not be stored", e);
        }
    }

    private static Map<String, Object> answer(String digest, long size) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("digest", digest);
        body.put("size", size);
        return body;
    }

    private void tooLarge(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "too_large");
        body.put("limit", limits.maxBlobBytes());
        body.put("message", "a blob may be at most " + new ByteSize(limits.maxBlobBytes()) + " ("
                + limits.maxBlobBytes() + " bytes, the coordinator's --blob-max-size): split the input, or ask the "
                + "operator for a larger limit");
        Access.refuse(req, res, 413, body);
    }

    private void quotaExceeded(ServerRequest req, ServerResponse res, String owner, long stored) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "quota_exceeded");
        body.put("limit", limits.quotaBytes());
        body.put("message", owner + " keeps " + stored + " bytes of blobs; this upload would pass the quota of "
                + limits.quotaBytes() + " bytes (--blob-quota): wait for unused blobs to expire (--blob-retention), "
                + "or ask the operator for a larger quota");
        Access.refuse(req, res, 413, body);
    }

    private static boolean validDigest(String digest) {
        try {
            BlobRef.checkDigest("digest", digest);
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }
}
