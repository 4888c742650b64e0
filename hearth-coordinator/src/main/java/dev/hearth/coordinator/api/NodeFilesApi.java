// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.blobs.BlobFiles;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TokenCheck;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.BlobRef;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The agents' HTTP routes under {@code /v1/agent/jobs/{id}}, outside the client keys' filter: a node
 * authenticates with its node token ({@code Authorization: Bearer hnt_...}) and its public key
 * ({@link #NODE_KEY}), the pair it registers with, and may read only what the job it holds a live lease of
 * (at the {@code epoch} it names) needs: {@code GET .../blobs/{digest}} streams a blob the job's spec names.
 * Thread-safe.
 */
public final class NodeFilesApi implements HttpService {

    /** The request header carrying the node's public key, base64 of its X.509 encoding, as it registers. */
    public static final HeaderName NODE_KEY = HeaderNames.create("Hearth-Node-Key");

    private final Store store;
    private final BlobFiles files;

    /** The routes over the store's leases and the blobs' files. */
    public NodeFilesApi(Store store, BlobFiles files) {
        this.store = store;
        this.files = files;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/jobs/{id}/blobs/{digest}", this::blob);
    }

    private void blob(ServerRequest req, ServerResponse res) {
        Optional<JobRecord> job = leased(req, res);
        if (job.isEmpty()) {
            return;
        }
        String digest = req.path().pathParameters().get("digest");
        try {
            BlobRef.checkDigest("digest", digest);
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, "digest", e.getMessage());
            return;
        }
        JobRecord j = job.get();
        boolean named = store.blobs().referenced(j.id(), digest)
                || (j.isCopy() && store.blobs().referenced(j.parentId(), digest));
        Optional<Path> file = named ? files.find(digest) : Optional.empty();
        if (file.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_blob", "job " + j.id() + " names no blob " + digest
                    + " that the coordinator keeps");
            return;
        }
        try (InputStream in = Files.newInputStream(file.get())) {
            res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream")
                    .header(HeaderNames.CONTENT_LENGTH, String.valueOf(Files.size(file.get())));
            try (OutputStream out = res.outputStream()) {
                in.transferTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("blob " + digest + " could not be sent for job " + j.id(), e);
        }
    }

    /**
     * The job the authenticated node holds a live lease of at the request's {@code epoch}; otherwise the refusal
     * is answered (401 for bad credentials, 403 {@code not_your_lease}, 404 {@code unknown_job}) and empty returned.
     */
    private Optional<JobRecord> leased(ServerRequest req, ServerResponse res) {
        Optional<String> nodeId = node(req);
        if (nodeId.isEmpty()) {
            JsonResponses.error(res, 401, "unauthorized", "a node sends Authorization: Bearer <its node token> and "
                    + NODE_KEY.defaultCase() + ": <its public key, base64>, the pair it registers with");
            return Optional.empty();
        }
        String id = req.path().pathParameters().get("id");
        String epochText = req.query().first("epoch").orElse("");
        long epoch;
        try {
            epoch = Long.parseLong(epochText);
        } catch (NumberFormatException e) {
            JsonResponses.invalid(res, "epoch", "epoch '" + epochText + "' is invalid: the lease epoch of the offer, "
                    + "a whole number");
            return Optional.empty();
        }
        Optional<JobRecord> job = store.job(id);
        if (job.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_job", "Job not found: " + id);
            return Optional.empty();
        }
        JobRecord j = job.get();
        boolean live = j.state() == JobState.LEASED || j.state() == JobState.RUNNING;
        if (!live || !nodeId.get().equals(j.nodeId()) || j.epoch() != epoch) {
            JsonResponses.error(res, 403, "not_your_lease", "node " + nodeId.get() + " holds no live lease of job "
                    + id + " at epoch " + epoch + ": only the node running a job may read its files");
            return Optional.empty();
        }
        return job;
    }

    private Optional<String> node(ServerRequest req) {
        String header = req.headers().value(HeaderNames.AUTHORIZATION).orElse("");
        String key = req.headers().value(NODE_KEY).orElse("");
        if (!header.startsWith("Bearer ") || key.isBlank()) {
            return Optional.empty();
        }
        return store.authenticateToken(header.substring(7).strip(), key.strip()) instanceof TokenCheck.Accepted a
                && !a.firstUse() ? Optional.of(a.nodeId()) : Optional.empty();
    }
}
