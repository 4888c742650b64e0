// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The jobs API ({@code /v1/jobs}): submit, look up, list. Thread-safe. */
public final class Jobs {

    /** The most jobs a page holds, as the coordinator allows. */
    public static final int MAX_PAGE = 500;
    /** The most jobs one {@link #submitAll} sends, as the coordinator allows. */
    public static final int MAX_BATCH = 1000;
    /** The most pages {@link #all} follows, so a coordinator that answers the same page for ever cannot hold it. */
    static final int MAX_PAGES = 10_000;

    private final HearthClient client;
    private final Transport transport;

    Jobs(HearthClient client, Transport transport) {
        this.client = client;
        this.transport = transport;
    }

    /** As {@link #submit(JobDocument, SubmitOptions)} with a fresh key and the client's retry policy. */
    public Job submit(JobDocument doc) throws IOException, InterruptedException {
        return submit(doc, SubmitOptions.defaults().withRetries(client.retries()));
    }

    /**
     * Submits a job: uploads its inputs as blobs, then posts the document with the options' {@code Idempotency-Key}.
     * A try that fails on the way (no answer, a 5xx, a 409 while the first try still runs) is tried again with the
     * same key, so the coordinator makes one job however often the post is sent; its answer to a retry is the first
     * job ({@code Idempotent-Replayed}).
     *
     * @throws HearthApiException when the coordinator refuses the document (its {@code field} names what is wrong),
     *     the key was used for another document (422), or the price cannot be held (402)
     */
    public Job submit(JobDocument doc, SubmitOptions options) throws IOException, InterruptedException {
        Map<String, String> digests = new LinkedHashMap<>();
        for (Map.Entry<String, Path> input : doc.inputs().entrySet()) {
            digests.put(input.getKey(), client.blobs().upload(input.getValue()).digest());
        }
        String body = doc.bodyWith(digests);
        HttpResponse<String> made = options.retries().run(() -> transport.send(Endpoint.SUBMIT_JOB,
                transport.request(Endpoint.SUBMIT_JOB, List.of(), null, transport.callTimeout())
                        .header("Content-Type", doc.mediaType())
                        .header("Idempotency-Key", options.idempotencyKey())
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                transport.callTimeout()));
        JobInfo info = JobInfo.of(Transport.parse(Endpoint.SUBMIT_JOB, made.body()));
        boolean replayed = made.headers().firstValue("Idempotent-Replayed").map("true"::equalsIgnoreCase).orElse(false);
        return new Job(client, transport, info.id(), Optional.of(info), replayed);
    }

    /** As {@link #submitAll(List, SubmitOptions)} with a fresh key and the client's retry policy. */
    public List<Job> submitAll(List<JobDocument> docs) throws IOException, InterruptedException {
        return submitAll(docs, SubmitOptions.defaults().withRetries(client.retries()));
    }

    /**
     * Submits up to {@value #MAX_BATCH} JSON job documents in one call ({@code POST /v1/jobs/batch}): uploads their
     * inputs as blobs, then posts them together with the options' {@code Idempotency-Key}, tried again as
     * {@link #submit(JobDocument, SubmitOptions)} is. The coordinator queues all of them or none.
     *
     * @return the jobs, in the order of {@code docs}
     * @throws IllegalArgumentException when {@code docs} is empty, longer than {@value #MAX_BATCH}, or holds a YAML
     *     document (naming its index: a batch is JSON)
     * @throws HearthApiException when the coordinator refuses the batch: its {@code field} names the document and
     *     its field ({@code jobs[3].memory}); 402 when the prices together cannot be held, 429 over a quota
     */
    public List<Job> submitAll(List<JobDocument> docs, SubmitOptions options) throws IOException,
            InterruptedException {
        if (docs.isEmpty() || docs.size() > MAX_BATCH) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_BATCH + " jobs; got " + docs.size());
        }
        List<String> bodies = new ArrayList<>(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            JobDocument doc = docs.get(i);
            if (!JobDocument.JSON.equals(doc.mediaType())) {
                throw new IllegalArgumentException("docs[" + i + "] is " + doc.mediaType() + "; a batch takes JSON "
                        + "documents (submit a YAML one with submit)");
            }
            Map<String, String> digests = new LinkedHashMap<>();
            for (Map.Entry<String, Path> input : doc.inputs().entrySet()) {
                digests.put(input.getKey(), client.blobs().upload(input.getValue()).digest());
            }
            bodies.add(doc.bodyWith(digests));
        }
        String body = "{\"jobs\":[" + String.join(",", bodies) + "]}";
        HttpResponse<String> made = options.retries().run(() -> transport.send(Endpoint.SUBMIT_JOBS,
                transport.request(Endpoint.SUBMIT_JOBS, List.of(), null, transport.callTimeout())
                        .header("Content-Type", JobDocument.JSON)
                        .header("Idempotency-Key", options.idempotencyKey())
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                transport.callTimeout()));
        boolean replayed = made.headers().firstValue("Idempotent-Replayed").map("true"::equalsIgnoreCase).orElse(false);
        List<Job> jobs = new ArrayList<>(docs.size());
        for (JsonNode j : Transport.parse(Endpoint.SUBMIT_JOBS, made.body()).path("jobs")) {
            JobInfo info = JobInfo.of(j);
            jobs.add(new Job(client, transport, info.id(), Optional.of(info), replayed));
        }
        return jobs;
    }

    /** A handle on an existing job (nothing is asked of the coordinator until it is used). */
    public Job job(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("job id must not be empty");
        }
        return new Job(client, transport, id, Optional.empty(), false);
    }

    /**
     * One page of the caller's jobs, newest first.
     *
     * @param state only jobs in this state, or null for all
     * @param limit jobs on the page, 1 to {@value #MAX_PAGE}
     * @param cursor a previous page's {@link Page#next()}, or null for the first page
     */
    public Page<JobInfo> list(String state, int limit, String cursor) throws IOException, InterruptedException {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be 1 to " + MAX_PAGE + "; got " + limit);
        }
        StringBuilder q = new StringBuilder("limit=" + limit);
        if (state != null) {
            q.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
        }
        if (cursor != null) {
            q.append("&cursor=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        }
        JsonNode page = transport.json(Endpoint.LIST_JOBS, List.of(), q.toString());
        List<JobInfo> jobs = new ArrayList<>();
        page.path("jobs").forEach(j -> jobs.add(JobInfo.of(j)));
        return new Page<>(jobs, Optional.ofNullable(page.path("next").asText(null)));
    }

    /**
     * The caller's jobs, newest first, following {@code next} until {@code max} jobs or the last page (a cursor
     * seen twice also ends it).
     */
    public List<JobInfo> all(String state, int max) throws IOException, InterruptedException {
        List<JobInfo> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String cursor = null;
        for (int pages = 0; pages < MAX_PAGES && all.size() < max; pages++) {
            Page<JobInfo> page = list(state, Math.min(MAX_PAGE, max - all.size()), cursor);
            all.addAll(page.items());
            cursor = page.next().orElse(null);
            if (cursor == null || !seen.add(cursor)) {
                break;
            }
        }
        return all;
    }
}
