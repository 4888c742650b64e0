// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.StoredSpec;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobOffer;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@code /v1/jobs/{id}/spec} and {@code /v1/jobs/{id}/placements}: what the dashboard's job page shows beyond
 * {@code GET /v1/jobs/{id}}. The spec comes with its secrets' names only (their values never leave the coordinator
 * except over the holding node's link) and its files' paths and sizes, not their contents; the placements are every
 * lease the job was given, by epoch. Only the job's owner or an admin may read them. Thread-safe.
 */
public final class JobDetailsApi implements HttpService {

    private final Store store;

    /** The details of the store's jobs. */
    public JobDetailsApi(Store store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/spec", this::spec).get("/{id}/placements", this::placements);
    }

    private void spec(ServerRequest req, ServerResponse res) {
        Optional<JobRecord> job = owned(req, res);
        if (job.isEmpty()) {
            return;
        }
        String id = job.get().id();
        if (store.prunedAt(id).isPresent()) {
            JsonResponses.error(res, 410, "pruned", "job " + id + " was pruned (finished longer ago than "
                    + "--retain-finished): its spec is gone");
            return;
        }
        StoredSpec stored = job.get().spec();
        JobOffer.WireJobSpec s = stored.spec();
        ObjectNode v = Json.mapper().createObjectNode().put("id", id).put("image", s.image());
        v.putPOJO("command", s.command());
        v.putPOJO("env", s.env());
        ArrayNode secrets = v.putArray("secrets"); // names only: a value is never shown
        s.secrets().keySet().stream().sorted().forEach(secrets::add);
        ArrayNode files = v.putArray("files");
        s.files().forEach(f -> files.addObject().put("path", f.path()).put("mode", Integer.toOctalString(f.mode()))
                .put("bytes", f.content() == null ? 0 : f.content().getBytes(StandardCharsets.UTF_8).length));
        v.put("memory", s.memory()).put("cpus", s.cpus()).put("pids", s.pids()).put("timeoutSeconds",
                s.timeoutSeconds()).put("estimatedSeconds", stored.estimatedSeconds()).put("gpus", stored.gpuCount())
                .put("minVramMib", stored.minVramMib()).put("runtime", stored.runtimeOrDefault());
        v.putPOJO("network", s.network() == null ? "none" : s.network());
        JsonResponses.send(res, 200, v);
    }

    private void placements(ServerRequest req, ServerResponse res) {
        Optional<JobRecord> job = owned(req, res);
        if (job.isEmpty()) {
            return;
        }
        JobRecord j = job.get();
        ObjectNode out = Json.mapper().createObjectNode().put("id", j.id()).put("epoch", j.epoch());
        ArrayNode list = out.putArray("placements");
        for (long e = 1; e <= j.epoch(); e++) {
            long epoch = e;
            store.lease(j.id(), epoch).ifPresent(l -> {
                ObjectNode p = list.addObject().put("epoch", epoch).put("nodeId", l.nodeId())
                        .put("grantedAt", l.grantedAt().toString())
                        .put("live", epoch == j.epoch() && j.state().isHeld());
                p.putPOJO("gpuIndexes", l.gpuIndexes());
                if (l.deadline() != null) {
                    p.put("deadline", l.deadline().toString());
                }
                store.result(j.id()).filter(r -> r.epoch() == epoch).ifPresent(r -> p.put("resultAt",
                        r.receivedAt().toString()));
            });
        }
        JsonResponses.send(res, 200, out);
    }

    /** The job, when the caller may read it; otherwise the 404 or 403 is answered. */
    private Optional<JobRecord> owned(ServerRequest req, ServerResponse res) {
        return owned(store, req, res);
    }

    /** The request's job ({@code id} path parameter) in {@code store}, when the caller may read it; else answered. */
    static Optional<JobRecord> owned(Store store, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<JobRecord> job = store.job(id);
        if (job.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_job", "Job not found: " + id);
        } else if (!Principal.of(req).owns(JobQuota.owner(store, id))) {
            Access.notYours(req, res, "job " + id);
            return Optional.empty();
        }
        return job;
    }
}
