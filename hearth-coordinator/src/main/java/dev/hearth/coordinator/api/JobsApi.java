// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hearth.coordinator.store.StoredSpec;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.ledger.RateCard;
import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.Cancellation;
import dev.hearth.coordinator.store.ClientRecord;
import dev.hearth.coordinator.store.Quota;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.InsufficientFundsException;
import dev.hearth.coordinator.store.JobPage;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.NewJob;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.VerdictRecord;
import dev.hearth.coordinator.oracle.Verdict;
import dev.hearth.core.receipt.SignedReceipt;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.JobDocument;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.units.Credits;
import dev.hearth.core.log.LogFields;
import dev.hearth.core.trace.Traceparent;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code /v1/jobs}: submit (JSON or YAML job documents; durable before the answer), read (with the oracle's verdict),
 * list, logs, receipt, cancel.
 * Thread-safe.
 */
public final class JobsApi implements HttpService {

    private static final ObjectMapper YAML = new YAMLMapper();

    /** Response header of the logs: the lease epoch the text comes from (live text restarts with a new epoch). */
    public static final HeaderName LOG_EPOCH = HeaderNames.create("Hearth-Log-Epoch");
    /** Response header of the logs: true once the job has its result (or ended without one): they no longer grow. */
    public static final HeaderName LOG_COMPLETE = HeaderNames.create("Hearth-Log-Complete");
    /** On a receipt: the Ed25519 public key (base64 X.509) the signing node registered. */
    public static final HeaderName NODE_KEY_HEADER = HeaderNames.create("Hearth-Node-Key");
    /** The most job documents in one {@code POST /v1/jobs/batch}. */
    public static final int MAX_BATCH = 1000;
    /** The most bytes of one {@code POST /v1/jobs/batch} (large inputs go as blobs). */
    static final int MAX_BATCH_BYTES = 16 << 20;
    /** Jobs per page of {@code GET /v1/jobs} when no {@code limit} is given. */
    static final int DEFAULT_PAGE = 100;

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobsApi.class);
    /** Trace and span ids only: diagnostic, never a secret or a decision. */
    private static final java.util.random.RandomGenerator TRACE_IDS = new java.security.SecureRandom();

    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");

    private final Store store;
    private final AgentHub hub;
    private final Runnable wakeScheduler;
    private final JobLogsApi logs;
    private final RateCard rates;
    private final Consumer<String> jobFinal;
    private final Tenants tenants;
    private final IdempotentRequests idempotency;
    private final Consumer<List<JobRecord>> jobsSubmitted;

    /**
     * The jobs API over the store; submits and cancels wake the scheduler and reach the node.
     *
     * @param logs serves the jobs' logs
     * @param rates prices jobs whose document names no price
     * @param jobFinal told the id of each job a cancel made final (the ledger returns its hold)
     * @param tenants the clients' quotas
     * @param idempotencyRetention how long a submit's {@code Idempotency-Key} is kept
     * @param jobsSubmitted told the jobs a submit queued, as it wrote them (their webhook events), once per call
     */
    public JobsApi(Store store, AgentHub hub, Runnable wakeScheduler, JobLogsApi logs, RateCard rates,
            Consumer<String> jobFinal, Tenants tenants, java.time.Duration idempotencyRetention,
            Consumer<List<JobRecord>> jobsSubmitted) {
        this.jobsSubmitted = jobsSubmitted;
        this.idempotency = new IdempotentRequests(store.idempotencyKeys(), idempotencyRetention);
        this.tenants = tenants;
        this.rates = rates;
        this.jobFinal = jobFinal;
        this.store = store;
        this.hub = hub;
        this.wakeScheduler = wakeScheduler;
        this.logs = logs;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::submit)
                .post("/batch", this::submitBatch)
                .get("/", this::list)
                .get("/{id}", this::get)
                .get("/{id}/logs", this::logs)
                .get("/{id}/receipt", this::receipt)
                .post("/{id}/cancel", this::cancel);
    }

    private void submit(ServerRequest req, ServerResponse res) {
        // asOptional: a POST without a body has no entity, and as(String.class) would throw (a 500, not a 400)
        once(req, res, req.content().asOptional(String.class).orElse(""), this::submit);
    }

    /** A submission's step once its body is read: answers the request. */
    private interface Step {
        void run(ServerRequest req, ServerResponse res, String body, IdempotentRequests.Ticket ticket);
    }

    /** Runs {@code step} unless an earlier request with the same {@code Idempotency-Key} answers (again). */
    private void once(ServerRequest req, ServerResponse res, String body, Step step) {
        try (IdempotentRequests.Ticket ticket = idempotency.open(req, res, body)) {
            if (!ticket.answered()) {
                step.run(req, res, body, ticket);
            }
        }
    }

    /** The request's content type, lower case ({@code application/json} when none is named). */
    private static String contentType(ServerRequest req) {
        return req.headers().value(HeaderNames.CONTENT_TYPE).orElse("application/json").toLowerCase(Locale.ROOT);
    }

    private void submit(ServerRequest req, ServerResponse res, String body, IdempotentRequests.Ticket ticket) {
        String type = contentType(req);
        String format = type.contains("yaml") ? "YAML" : "JSON";
        JobDocument doc;
        try {
            doc = body.isBlank() ? null : (type.contains("yaml") ? YAML : Json.mapper()).readValue(body, JobDocument.class);
        } catch (JsonProcessingException e) {
            JsonResponses.error(res, 400, "invalid_document", "the job document is not valid "
                    + format + " of the job form: " + e.getOriginalMessage());
            return;
        }
        if (doc == null) {
            JsonResponses.error(res, 400, "invalid_document", "the job document is empty: send a " + format
                    + " object of the job form, e.g. {\"command\":[\"echo\",\"hi\"]}");
            return;
        }
        // the client's trace goes on (a malformed header starts a new one, as W3C Trace Context says)
        Traceparent trace = Traceparent.parse(req.headers().first(TRACEPARENT).orElse(null))
                .map(t -> t.child(TRACE_IDS)).orElseGet(() -> Traceparent.newTrace(TRACE_IDS));
        Optional<Admitted> admitted = admit(req, res, doc, "", trace);
        if (admitted.isEmpty()) {
            return;
        }
        Optional<List<ObjectNode>> views = queue(req, res, List.of(admitted.get()));
        if (views.isEmpty()) {
            return;
        }
        res.header(TRACEPARENT, trace.toString());
        String answer = JsonResponses.text(views.get().getFirst());
        ticket.complete(201, answer, null); // before the answer: a retry that follows it finds the job
        JsonResponses.sendText(res, 201, answer);
    }

    /**
     * {@code POST /v1/jobs/batch}: {@code {"jobs": [document, ...]}}, 1 to {@value #MAX_BATCH} job documents queued
     * in one transaction, all or none: a document that fails names its place ({@code jobs[3].memory}), the batch's
     * jobs count against the client's quotas together, and a price that cannot be held queues none of them. The
     * answer lists the jobs in the order given. One call of the caller's rate limit.
     */
    private void submitBatch(ServerRequest req, ServerResponse res) {
        byte[] bytes;
        try (var in = req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BATCH_BYTES + 1);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            JsonResponses.error(res, 400, "invalid_document", "the batch could not be read: " + e.getMessage());
            return;
        }
        if (bytes.length > MAX_BATCH_BYTES) {
            JsonResponses.error(res, 413, "too_large", "a batch is at most " + MAX_BATCH_BYTES / (1 << 20)
                    + " MiB: upload large inputs as blobs (PUT /v1/blobs/{digest}) and name them, or send fewer jobs"
                    + " per batch");
            return;
        }
        once(req, res, new String(bytes, java.nio.charset.StandardCharsets.UTF_8), this::submitBatch);
    }

    private void submitBatch(ServerRequest req, ServerResponse res, String body, IdempotentRequests.Ticket ticket) {
        String type = contentType(req);
        String format = type.contains("yaml") ? "YAML" : "JSON";
        String form = "a " + format + " object {\"jobs\": [document, ...]} with 1 to " + MAX_BATCH
                + " job documents";
        JsonNode root;
        try {
            root = body.isBlank() ? null : (type.contains("yaml") ? YAML : Json.mapper()).readTree(body);
        } catch (JsonProcessingException e) {
            JsonResponses.error(res, 400, "invalid_document", "the batch is not valid " + format + ": "
                    + e.getOriginalMessage() + "; send " + form);
            return;
        }
        if (root == null || !root.isObject() || !root.path("jobs").isArray()) {
            JsonResponses.invalid(res, "jobs", "the batch names no jobs array: send " + form);
            return;
        }
        for (var names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!"jobs".equals(name)) {
                JsonResponses.invalid(res, name, "unknown field '" + name + "': a batch has only jobs; send " + form);
                return;
            }
        }
        JsonNode docs = root.get("jobs");
        if (docs.isEmpty() || docs.size() > MAX_BATCH) {
            JsonResponses.invalid(res, "jobs", "the batch holds " + docs.size() + " jobs: send " + form);
            return;
        }
        Traceparent parent = Traceparent.parse(req.headers().first(TRACEPARENT).orElse(null))
                .orElseGet(() -> Traceparent.newTrace(TRACE_IDS));
        List<Admitted> admitted = new ArrayList<>(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            String at = "jobs[" + i + "]";
            JobDocument doc;
            try {
                doc = docs.get(i).isObject() ? Json.mapper().treeToValue(docs.get(i), JobDocument.class) : null;
            } catch (JsonProcessingException | IllegalArgumentException e) {
                JsonResponses.invalid(res, at, at + " is not a job document: " + (e instanceof JsonProcessingException
                        j ? j.getOriginalMessage() : e.getMessage()) + "; nothing of the batch was queued");
                return;
            }
            if (doc == null) {
                JsonResponses.invalid(res, at, at + " is not a job document (an object of the job form, e.g. "
                        + "{\"command\":[\"echo\",\"hi\"]}); nothing of the batch was queued");
                return;
            }
            Optional<Admitted> a = admit(req, res, doc, at + ".", parent.child(TRACE_IDS));
            if (a.isEmpty()) {
                return;
            }
            admitted.add(a.get());
        }
        Optional<List<ObjectNode>> views = queue(req, res, admitted);
        if (views.isEmpty()) {
            return;
        }
        res.header(TRACEPARENT, parent.toString());
        ObjectNode out = Json.mapper().createObjectNode();
        views.get().forEach(out.putArray("jobs")::add);
        String answer = JsonResponses.text(out);
        ticket.complete(201, answer, null); // before the answer: a retry that follows it finds the jobs
        JsonResponses.sendText(res, 201, answer);
    }

    /** A job document checked and priced, with its new id and its spec as it will be stored, not queued yet. */
    private record Admitted(String id, JobDocument.Submission submission, HoldRequest hold, Traceparent trace,
            StoredSpec stored) {
    }

    /**
     * Checks a document into a job: its form, its account (a client pays from its own), its price. On a refusal the
     * answer is sent (its field prefixed with {@code at}, e.g. {@code jobs[3].}) and the result is empty.
     */
    private Optional<Admitted> admit(ServerRequest req, ServerResponse res, JobDocument doc, String at,
            Traceparent trace) {
        String id = UUID.randomUUID().toString();
        JobDocument.Submission submission;
        try {
            String uploader = BlobsApi.owner(req); // a job may name only blobs its submitter uploaded
            submission = doc.toSubmission(id, digest -> store.blobs().size(uploader, digest));
        } catch (InvalidInputException e) {
            ObjectNode err = Json.mapper().createObjectNode().put("error", "invalid_input")
                    .put("field", at + e.field()).put("message", at.isEmpty() ? e.getMessage()
                            : at + e.field() + ": " + e.getMessage() + "; nothing of the batch was queued");
            JsonResponses.send(res, 400, err);
            return Optional.empty();
        }
        Principal caller = Principal.of(req);
        if (!caller.admin() && doc.account() != null && !caller.account().equals(AccountKind.client(doc.account()))) {
            Access.notYours(req, res, "account " + AccountKind.client(doc.account()) + " (the " + at + "account "
                    + "field; a client's jobs pay from its own " + caller.account() + ", so leave the field out)");
            return Optional.empty();
        }
        String payer = caller.admin() ? AccountKind.client(submission.account()) : caller.account();
        HoldRequest hold;
        try {
            hold = new HoldRequest(payer, submission.priceMicros() != null ? submission.priceMicros()
                    : rates.price(submission.spec()));
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, at + "price", e.getMessage() + "; name a lower price in the document");
            return Optional.empty();
        }
        return Optional.of(new Admitted(id, submission, hold, trace, StoredSpec.of(submission, trace)));
    }

    /**
     * Queues admitted jobs in one transaction after the caller's quota allows all of them together; answers a refusal
     * (429 over quota, 402 when a price cannot be held: then none is queued) and returns empty, or returns the jobs'
     * views in order.
     */
    private Optional<List<ObjectNode>> queue(ServerRequest req, ServerResponse res, List<Admitted> admitted) {
        Principal caller = Principal.of(req);
        boolean batch = admitted.size() > 1;
        if (!caller.admin()) {
            Quota quota = tenants.client(caller.name()).map(ClientRecord::quota).orElse(Quota.NONE);
            List<JobQuota.Added> added = admitted.stream().map(a -> new JobQuota.Added(a.stored(),
                    a.submission().redundancy().redundant() ? a.submission().redundancy().n() : 1)).toList();
            Optional<JobQuota.Exceeded> over = JobQuota.check(store, quota, caller.account(), added);
            if (over.isPresent()) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("error", "quota_exceeded");
                err.put("limit", over.get().limit());
                err.put("message", "client " + caller.name() + "'s quota " + over.get().limit() + " is "
                        + over.get().allowed() + "; " + (batch ? "this batch of " + admitted.size() + " jobs"
                        : "this job") + " would make it " + over.get().wouldBe()
                        + ": wait for jobs to end, or ask an admin for a larger quota");
                Access.refuse(req, res, 429, err);
                return Optional.empty();
            }
        }
        List<NewJob> jobs = new ArrayList<>(admitted.size());
        for (Admitted a : admitted) {
            JobDocument.Submission s = a.submission();
            // before the job: from its first moment, the blobs it names are kept and its node may fetch them
            List<String> blobs = s.spec().files().stream().filter(f -> f.blob() != null).map(f -> f.blob().digest())
                    .distinct().toList();
            if (!blobs.isEmpty()) {
                store.blobs().reference(a.id(), blobs);
            }
            jobs.add(new NewJob(a.id(), a.stored().json(), s.priority(), s.retries(), a.hold(),
                    s.redundancy()));
        }
        List<JobRecord> queued;
        try {
            queued = store.submitJobs(jobs);
        } catch (InsufficientFundsException e) {
            long total = admitted.stream().mapToLong(a -> a.hold().amountMicros()).sum();
            Admitted first = admitted.getFirst();
            String price = batch ? "the batch's prices, " + Credits.format(total) + " credits for " + admitted.size()
                    + " jobs," : "the job's price of " + Credits.format(first.hold().amountMicros()) + " credits ("
                    + (first.submission().priceMicros() != null ? "its price field" : "from the rate card: " + rates)
                    + ")";
            ObjectNode err = Json.mapper().createObjectNode().put("error", "insufficient_funds").put("field", "price")
                    .put("message", price + " cannot be held: " + e.getMessage()
                            + (batch ? "; nothing of the batch was queued" : ""))
                    .put("account", e.accountId()).put("balance", Credits.format(e.balanceMicros()))
                    .put("price", Credits.format(batch ? total : e.neededMicros()));
            JsonResponses.send(res, 402, err);
            return Optional.empty();
        }
        List<ObjectNode> views = new ArrayList<>(queued.size());
        for (int i = 0; i < queued.size(); i++) {
            Admitted a = admitted.get(i);
            JobDocument.Submission s = a.submission();
            try (var fields = LogFields.job(a.id(), null, null, a.trace().traceId())
                    .with(LogFields.CLIENT, a.hold().accountId())) {
                log.info("job submitted{}: priority {}, {} retries, {} micro-credits held{}", batch ? " in a batch of "
                        + admitted.size() : "", s.priority(), s.retries(), a.hold().amountMicros(),
                        s.redundancy().redundant() ? ", " + s.redundancy().n() + " copies" : "");
            }
            views.add(s.redundancy().redundant() ? view(queued.get(i)) : queuedView(queued.get(i), a.hold()));
        }
        // job.queued from the records as queued: a pass may already have leased them (the scheduler hears of the
        // commit through the store's job watch, before this line)
        jobsSubmitted.accept(queued);
        wakeScheduler.run();
        return Optional.of(views);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Optional<JobState> state;
        String wanted = req.query().first("state").orElse(null);
        try {
            state = wanted == null ? Optional.empty() : Optional.of(JobState.valueOf(wanted.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, "state", "state '" + wanted + "' is invalid: one of "
                    + Arrays.stream(JobState.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
            return;
        }
        String limitText = req.query().first("limit").orElse(String.valueOf(DEFAULT_PAGE));
        int limit;
        try {
            limit = Integer.parseInt(limitText);
            if (limit < 1 || limit > JobPage.MAX_LIMIT) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            JsonResponses.invalid(res, "limit", "limit '" + limitText + "' is invalid: a whole number from 1 to "
                    + JobPage.MAX_LIMIT);
            return;
        }
        Optional<JobPage.Cursor> after;
        try {
            after = req.query().first("cursor").map(JobPage.Cursor::decode);
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, "cursor", e.getMessage());
            return;
        }
        // A client's page holds only its own jobs, filtered by the store in the page's query
        Principal caller = Principal.of(req);
        JobPage page = caller.admin() ? store.jobPage(state, after, limit)
                : store.jobPageOf(caller.account(), state, after, limit);
        ObjectNode out = Json.mapper().createObjectNode();
        var jobs = out.putArray("jobs");
        page.jobs().forEach(j -> jobs.add(view(j)));
        page.next().ifPresent(n -> Pages.next(n, out, req, res));
        JsonResponses.send(res, 200, out);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (mine(req, res, id)) {
            JsonResponses.send(res, 200, view(store.job(id).orElseThrow()));
        }
    }

    /**
     * Whether the caller may act on job {@code id}; if not, the 404 (no such job) or 403 (another client's) is
     * answered.
     */
    private boolean mine(ServerRequest req, ServerResponse res, String id) {
        if (store.job(id).isEmpty()) {
            JsonResponses.error(res, 404, "unknown_job", "Job not found: " + id);
            return false;
        }
        if (!Principal.of(req).owns(JobQuota.owner(store, id))) {
            Access.notYours(req, res, "job " + id);
            return false;
        }
        return true;
    }

    private void logs(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!mine(req, res, id) || pruned(res, id)) {
            return;
        }
        logs.serve(req, res, id);
    }

    /** The job's signed receipt, as {@code hearth verify} reads it; 404 when the job has no (signed) result. */
    private void receipt(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!mine(req, res, id) || pruned(res, id)) {
            return;
        }
        Optional<JobResultMessage> m = store.result(id).map(ResultRecord::message);
        if (m.isEmpty() || m.get().receipt() == null) {
            JsonResponses.error(res, 404, "no_receipt", m.isEmpty() ? "job " + id + " has no result yet"
                    : "the result of job " + id + " carries no receipt (a Hypernode v2.0 agent sent it)");
            return;
        }
        // the key the signing node registered, so that the job's owner can verify the receipt with no node read
        // (GET /v1/nodes is for admins and operators); the receipt's keyFingerprint ties the two together
        String nodeId = m.get().receipt().nodeId();
        Optional<NodeRecord> node = nodeId == null ? Optional.empty() : store.node(nodeId);
        node.map(NodeRecord::publicKey).filter(k -> !k.startsWith("legacy:"))
                .ifPresent(k -> res.header(NODE_KEY_HEADER, k));
        res.header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(new SignedReceipt(m.get().receipt(), m.get().signature()).json());
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!mine(req, res, id)) {
            return;
        }
        switch (store.cancelJob(id)) {
            case Cancellation.Cancelled c -> {
                ended(id, c);
                // A k-of-n job's copies go with it (each settles its share: refunded, nothing was agreed).
                for (JobRecord copy : store.copies(id)) {
                    if (store.cancelJob(copy.id()) instanceof Cancellation.Cancelled cc) {
                        ended(copy.id(), cc);
                    }
                }
                wakeScheduler.run();
                JsonResponses.send(res, 200, view(store.job(id).orElseThrow()));
            }
            case Cancellation.AlreadyFinal f -> JsonResponses.error(res, 409, "already_final",
                    "job " + id + " already ended: " + f.state().name().toLowerCase(Locale.ROOT));
            case Cancellation.UnknownJob u -> JsonResponses.error(res, 404, "unknown_job", "Job not found: " + id);
        }
    }

    private void ended(String id, Cancellation.Cancelled c) {
        c.heldBy().flatMap(hub::session).ifPresent(s -> s.send(new JobCancel(id, null, "cancelled")));
        jobFinal.accept(id); // its lease's live output is abandoned there
    }

    /** Answers 410 when the job was pruned by the retention of finished jobs (its logs and receipt are gone). */
    private boolean pruned(ServerResponse res, String id) {
        Optional<Instant> at = store.prunedAt(id);
        at.ifPresent(t -> JsonResponses.error(res, 410, "pruned", "job " + id + " was pruned at " + t
                + ", finished longer ago than --retain-finished: its spec, logs, result and receipt are gone; its "
                + "state and ledger entries are kept"));
        return at.isPresent();
    }

    /** {@link #view} of a plain job just queued: no result, verdict or node yet, and its hold is {@code hold}. */
    private static ObjectNode queuedView(JobRecord j, HoldRequest hold) {
        ObjectNode v = baseView(j);
        v.put("price", Credits.format(hold.amountMicros())).put("account", hold.accountId())
                .put("payment", Hold.State.HELD.name().toLowerCase(Locale.ROOT));
        return v;
    }

    private static ObjectNode baseView(JobRecord j) {
        ObjectNode v = Json.mapper().createObjectNode();
        v.put("id", j.id()).put("state", j.state().name().toLowerCase(Locale.ROOT)).put("priority", j.priority())
                .put("attempts", j.attempts()).put("maxRetries", j.maxRetries()).put("epoch", j.epoch())
                .put("submittedAt", j.submittedAt().toString()).put("updatedAt", j.updatedAt().toString());
        if (j.reason() != null) {
            v.put("reason", j.reason());
        }
        if (j.nodeId() != null) {
            v.put("nodeId", j.nodeId());
        }
        return v;
    }

    private ObjectNode view(JobRecord j) {
        ObjectNode v = baseView(j);
        store.prunedAt(j.id()).ifPresent(t -> v.put("pruned", true).put("prunedAt", t.toString()));
        store.result(j.id()).ifPresent(r -> v.set("result", resultView(r)));
        store.ledger().hold(j.id()).ifPresent(h -> v.put("price", Credits.format(h.amountMicros()))
                .put("account", h.accountId()).put("payment", h.state().name().toLowerCase(Locale.ROOT)));
        store.verdict(j.id()).ifPresent(d -> v.set("verdict", verdictView(d)));
        if (j.isCopy()) {
            v.put("copyOf", j.parentId()).put("copyIndex", j.copyIndex());
        }
        if (j.redundancy().redundant()) {
            v.putObject("redundancy").put("n", j.redundancy().n()).put("k", j.redundancy().k());
            var copies = v.putArray("copies");
            for (JobRecord c : store.copies(j.id())) {
                ObjectNode cv = copies.addObject().put("id", c.id()).put("index", c.copyIndex())
                        .put("state", c.state().name().toLowerCase(Locale.ROOT));
                putIf(cv, "nodeId", c.nodeId());
                store.result(c.id()).ifPresent(r -> putIf(cv, "logsHash", r.message().logsHash()));
                store.verdict(c.id()).ifPresent(d -> {
                    cv.put("verdict", d.outcome().name().toLowerCase(Locale.ROOT));
                    putIf(cv, "flagged", d.flagged());
                });
                store.ledger().hold(c.id()).ifPresent(h -> cv.put("share", Credits.format(h.amountMicros()))
                        .put("payment", h.state().name().toLowerCase(Locale.ROOT)));
            }
        }
        return v;
    }

    /** The oracle's verdict and every check: {@code hearth job status} shows them. */
    private static JsonNode verdictView(VerdictRecord d) {
        ObjectNode v = Json.mapper().createObjectNode();
        v.put("outcome", d.outcome().name().toLowerCase(Locale.ROOT));
        putIf(v, "failedCheck", d.failedCheck());
        putIf(v, "detail", d.detail());
        if (d.decidedAt() != null) {
            v.put("decidedAt", d.decidedAt().toString());
        }
        putIf(v, "flagged", d.flagged());
        var checks = v.putArray("checks");
        d.checks().forEach(c -> checks.addObject().put("name", c.name())
                .put("outcome", c.outcome().wireName()).put("detail", c.detail()));
        return v;
    }

    private static JsonNode resultView(ResultRecord r) {
        JobResultMessage m = r.message();
        ObjectNode v = Json.mapper().createObjectNode();
        v.put("status", m.status()).put("exitCode", m.exitCode()).put("nodeId", r.nodeId()).put("epoch", r.epoch());
        putIf(v, "message", m.message());
        putIf(v, "timestamp", m.timestamp());
        putIf(v, "logsHash", m.logsHash());
        putIf(v, "executionHash", m.executionHash());
        v.put("logBytes", m.logBytes() == null ? 0 : m.logBytes());
        v.put("logsTruncated", Boolean.TRUE.equals(m.logsTruncated()));
        v.put("durationMillis", m.durationMillis() == null ? 0 : m.durationMillis());
        v.put("hashesHold", hashesHold(m));
        v.put("signed", m.receipt() != null);
        v.put("receivedAt", r.receivedAt().toString());
        return v;
    }

    private static boolean hashesHold(JobResultMessage m) {
        try {
            return m.timestamp() != null && JobWire.toResult(m, "").hashesHold();
        } catch (InvalidInputException e) {
            return false;
        }
    }


    private static void putIf(ObjectNode v, String field, String value) {
        if (value != null) {
            v.put(field, value);
        }
    }
}
