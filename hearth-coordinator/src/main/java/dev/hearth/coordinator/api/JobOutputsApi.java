// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.blobs.BlobFiles;
import dev.hearth.coordinator.store.Blobs;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.receipt.OutputFile;
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
import java.util.List;
import java.util.Optional;

/**
 * {@code /v1/jobs/{id}/outputs[/{path}]}: the files the job left in /job/out, as its signed receipt lists them
 * (path below /job/out, size, SHA-256), each marked {@code stored} when its node uploaded exactly those bytes under
 * the result's epoch; and one stored file's bytes, with its hash in {@link #OUTPUT_SHA256} (check it against the
 * receipt: {@code hearth job outputs} does). Only the job's owner or an admin may read them. Thread-safe.
 */
public final class JobOutputsApi implements HttpService {

    /** Response header of an output's bytes: its SHA-256 as the receipt lists it (64 hex digits). */
    public static final HeaderName OUTPUT_SHA256 = HeaderNames.create("Hearth-Output-Sha256");
    /** Where a receipt's output paths start (the sandbox's output folder). */
    private static final String OUT_PREFIX = "/job/out/";

    private final Store store;
    private final BlobFiles files;

    /** The outputs of the store's jobs, their bytes in {@code files}. */
    public JobOutputsApi(Store store, BlobFiles files) {
        this.store = store;
        this.files = files;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/outputs", this::list).get("/{id}/outputs/*", this::one);
    }

    /** One output as the receipt lists it, and whether its bytes are kept. */
    private record Listed(String path, OutputFile file, boolean stored) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        Optional<List<Listed>> outputs = outputs(req, res);
        if (outputs.isEmpty()) {
            return;
        }
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode list = out.putArray("outputs");
        outputs.get().forEach(o -> list.addObject().put("path", o.path()).put("size", o.file().bytes())
                .put("sha256", o.file().sha256()).put("stored", o.stored()));
        JsonResponses.send(res, 200, out);
    }

    private void one(ServerRequest req, ServerResponse res) {
        Optional<List<Listed>> outputs = outputs(req, res);
        if (outputs.isEmpty()) {
            return;
        }
        String id = req.path().pathParameters().get("id");
        String prefix = "/v1/jobs/" + id + "/outputs/";
        String raw = req.path().absolute().path();
        String path = raw.startsWith(prefix) ? raw.substring(prefix.length()) : "";
        Optional<Listed> found = outputs.get().stream().filter(o -> o.path().equals(path) && o.stored()).findFirst();
        Optional<Path> file = found.flatMap(o -> files.find("sha256:" + o.file().sha256()));
        if (file.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_output", "job " + id + " has no stored output '" + path
                    + "': GET /v1/jobs/" + id + "/outputs lists its outputs and which are stored");
            return;
        }
        try (InputStream in = Files.newInputStream(file.get())) {
            res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream")
                    .header(OUTPUT_SHA256, found.get().file().sha256())
                    .header(HeaderNames.CONTENT_LENGTH, String.valueOf(Files.size(file.get())));
            try (OutputStream out = res.outputStream()) {
                in.transferTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("output " + path + " of job " + id + " could not be sent", e);
        }
    }

    /**
     * The receipt's outputs of the request's job (empty list while it has no result, or a result without a
     * receipt), or empty when the refusal was answered (unknown job, another client's, pruned).
     */
    private Optional<List<Listed>> outputs(ServerRequest req, ServerResponse res) {
        Optional<JobRecord> job = JobDetailsApi.owned(store, req, res);
        if (job.isEmpty()) {
            return Optional.empty();
        }
        String id = job.get().id();
        if (store.prunedAt(id).isPresent()) {
            JsonResponses.error(res, 410, "pruned", "job " + id + " was pruned (finished longer ago than "
                    + "--retain-finished): its outputs are gone");
            return Optional.empty();
        }
        Optional<ResultRecord> result = store.result(id);
        JobResultMessage m = result.map(ResultRecord::message).orElse(null);
        if (m == null || m.receipt() == null) {
            return Optional.of(List.of());
        }
        List<Blobs.Output> kept = store.blobs().outputs(id, result.get().epoch());
        return Optional.of(m.receipt().outputs().stream().filter(f -> f.path().startsWith(OUT_PREFIX)).map(f -> {
            String path = f.path().substring(OUT_PREFIX.length());
            boolean stored = kept.stream().anyMatch(o -> o.path().equals(path) && o.sha256().equals(f.sha256())
                    && o.size() == f.bytes());
            return new Listed(path, f, stored);
        }).toList());
    }

}
