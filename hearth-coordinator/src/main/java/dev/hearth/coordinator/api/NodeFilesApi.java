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
 * (at the {@code epoch} it names) needs: {@code GET .../blobs/{digest}} streams a blob the job's spec names, and
 * {@code PUT .../outputs/{path}?sha256=HEX} stores a file the job left in /job/out, kept only when it hashes to the
 * declared SHA-256 and fits the job's output cap and its owner's quota. Thread-safe.
 */
public final class NodeFilesApi implements HttpService {

    /** The request header carrying the node's public key, base64 of its X.509 encoding, as it registers. */
    public static final HeaderName NODE_KEY = HeaderNames.create("Hearth-Node-Key");

    private static final java.util.regex.Pattern SHA256 = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    private final Store store;
    private final BlobFiles files;
    private final dev.hearth.coordinator.blobs.BlobLimits limits;

    /** The routes over the store's leases and the blobs' files, storing outputs within {@code limits}. */
    public NodeFilesApi(Store store, BlobFiles files, dev.hearth.coordinator.blobs.BlobLimits limits) {
        this.store = store;
        this.files = files;
        this.limits = limits;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/jobs/{id}/blobs/{digest}", this::blob).put("/jobs/{id}/outputs/*", this::output);
    }

    private void output(ServerRequest req, ServerResponse res) {
        Optional<JobRecord> job = leased(req, res);
        if (job.isEmpty()) {
            return;
        }
        JobRecord j = job.get();
        String prefix = dev.hearth.core.protocol.Protocol.AGENT_PATH + "/jobs/" + j.id() + "/outputs/";
        String raw = req.path().absolute().path();
        String path = raw.startsWith(prefix) ? raw.substring(prefix.length()) : "";
        if (!OutputPaths.valid(path)) {
            JsonResponses.invalid(res, "path", "output path '" + path + "' is invalid: " + OutputPaths.FORM);
            return;
        }
        String sha = req.query().first("sha256").orElse("");
        if (!SHA256.matcher(sha).matches()) {
            JsonResponses.invalid(res, "sha256", "sha256 '" + sha + "' is invalid: the 64 lower-case hex digits "
                    + "of the file's SHA-256, as the receipt lists it");
            return;
        }
        String owner = JobQuota.owner(store, j.id());
        long jobBytes = store.blobs().outputs(j.id(), j.epoch()).stream().filter(o -> !o.path().equals(path))
                .mapToLong(dev.hearth.coordinator.store.Blobs.Output::size).sum();
        long cap = Math.min(limits.outputMaxBytes() - jobBytes, limits.quotaBytes() - store.blobs().storedBytes(owner));
        long declared = req.headers().contentLength().orElse(-1);
        if (cap <= 0 || declared > cap) {
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("error", "too_large");
            body.put("limit", limits.outputMaxBytes());
            body.put("message", "output " + path + " of job " + j.id() + " is past what is stored for it: "
                    + limits.outputMaxBytes() + " bytes a job (--output-max-size), and its owner's quota (--blob-quota); "
                    + "it stays listed in the receipt, not stored");
            JsonResponses.send(res, 413, body);
            return;
        }
        try (InputStream in = req.content().inputStream()) {
            long size = files.receive(in, "sha256:" + sha, cap, n -> store.blobs().addOutput(
                    new dev.hearth.coordinator.store.Blobs.Output(j.id(), j.epoch(), path, sha, n, owner)));
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("path", path);
            body.put("sha256", sha);
            body.put("size", size);
            JsonResponses.send(res, 201, body);
        } catch (BlobFiles.Refused e) {
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("error", e.tooLarge() ? "too_large" : "digest_mismatch");
            body.put("field", "sha256");
            body.put("message", e.tooLarge() ? "output " + path + " runs past the " + cap + " bytes left for job "
                    + j.id() + "'s outputs: not stored" : "output " + path + " hashes to " + e.actual()
                    + ", not the declared sha256 " + sha + ": not stored");
            JsonResponses.send(res, e.tooLarge() ? 413 : 422, body);
        } catch (IOException e) {
            throw new UncheckedIOException("output " + path + " of job " + j.id() + " could not be stored", e);
        }
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
