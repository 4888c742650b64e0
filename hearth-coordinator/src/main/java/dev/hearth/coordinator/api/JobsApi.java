// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hearth.coordinator.StoredSpec;
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
import java.util.Arrays;
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
    private final Consumer<String> jobChanged;

    /**
     * The jobs API over the store; submits and cancels wake the scheduler and reach the node.
     *
     * @param logs serves the jobs' logs
     * @param rates prices jobs whose document names no price
     * @param jobFinal told the id of each job a cancel made final (the ledger returns its hold)
     * @param tenants the clients' quotas
     * @param idempotencyRetention how long a submit's {@code Idempotency-Key} is kept
     * @param jobChanged told the id of each job a submit or cancel changed (its webhook event)
     */
    public JobsApi(Store store, AgentHub hub, Runnable wakeScheduler, JobLogsApi logs, RateCard rates,
            Consumer<String> jobFinal, Tenants tenants, java.time.Duration idempotencyRetention,
            Consumer<String> jobChanged) {
        this.jobChanged = jobChanged;
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
                .get("/", this::list)
                .get("/{id}", this::get)
                .get("/{id}/logs", this::logs)
                .get("/{id}/receipt", this::receipt)
                .post("/{id}/cancel", this::cancel);
    }

    private void submit(ServerRequest req, ServerResponse res) {
        // asOptional: a POST without a body has no entity, and as(String.class) would throw (a 500, not a 400)
        String body = req.content().asOptional(String.class).orElse("");
        try (IdempotentRequests.Ticket ticket = idempotency.open(req, res, body)) {
            if (!ticket.answered()) {
                submit(req, res, body, ticket);
            }
        }
    }

    private void submit(ServerRequest req, ServerResponse res, String body, IdempotentRequests.Ticket ticket) {
        String type = req.headers().value(HeaderNames.CONTENT_TYPE).orElse("application/json").toLowerCase(Locale.ROOT);
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
        JobDocument.Submission submission;
        String id = UUID.randomUUID().toString();
        try {
            String uploader = BlobsApi.owner(req); // a job may name only blobs its submitter uploaded
            submission = doc.toSubmission(id, digest -> store.blobs().size(uploader, digest));
        } catch (InvalidInputException e) {
            ObjectNode err = Json.mapper().createObjectNode().put("error", "invalid_input").put("field", e.field())
                    .put("message", e.getMessage());
            JsonResponses.send(res, 400, err);
            return;
        }
        Principal caller = Principal.of(req);
        if (!caller.admin() && doc.account() != null && !caller.account().equals(AccountKind.client(doc.account()))) {
            Access.notYours(req, res, "account " + AccountKind.client(doc.account()) + " (the job's account field; "
                    + "a client's jobs pay from its own " + caller.account() + ", so leave the field out)");
            return;
        }
        String payer = caller.admin() ? AccountKind.client(submission.account()) : caller.account();
        if (!caller.admin()) {
            Quota quota = tenants.client(caller.name()).map(ClientRecord::quota).orElse(Quota.NONE);
            Optional<JobQuota.Exceeded> over = JobQuota.check(store, quota, payer, StoredSpec.of(submission),
                    submission.redundancy().redundant() ? submission.redundancy().n() : 1);
            if (over.isPresent()) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("error", "quota_exceeded");
                err.put("limit", over.get().limit());
                err.put("message", "client " + caller.name() + "'s quota " + over.get().limit() + " is "
                        + over.get().allowed() + "; this job would make it " + over.get().wouldBe()
                        + ": wait for jobs to end, or ask an admin for a larger quota");
                Access.refuse(req, res, 429, err);
                return;
            }
        }
        HoldRequest hold;
        try {
            hold = new HoldRequest(payer, submission.priceMicros() != null
                    ? submission.priceMicros() : rates.price(submission.spec()));
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, "price", e.getMessage() + "; name a lower price in the document");
            return;
        }
        // the client's trace goes on (a malformed header starts a new one, as W3C Trace Context says)
        Traceparent trace = Traceparent.parse(req.headers().first(TRACEPARENT).orElse(null))
                .map(t -> t.child(TRACE_IDS)).orElseGet(() -> Traceparent.newTrace(TRACE_IDS));
        JobRecord job;
        // before the job: from its first moment, the blobs it names are kept and its node may fetch them
        store.blobs().reference(id, submission.spec().files().stream().filter(f -> f.blob() != null)
                .map(f -> f.blob().digest()).distinct().toList());
        try {
            String spec = StoredSpec.of(submission, trace).json();
            job = submission.redundancy().redundant()
                    ? store.submitRedundantJob(id, spec, submission.priority(), submission.retries(), hold,
                            submission.redundancy())
                    : store.submitJob(id, spec, submission.priority(), submission.retries(), hold);
        } catch (InsufficientFundsException e) {
            ObjectNode err = Json.mapper().createObjectNode().put("error", "insufficient_funds").put("field", "price")
                    .put("message", "the job's price of " + Credits.format(hold.amountMicros()) + " credits ("
                            + (submission.priceMicros() != null ? "its price field" : "from the rate card: " + rates)
                            + ") cannot be held: " + e.getMessage())
                    .put("account", e.accountId()).put("balance", Credits.format(e.balanceMicros()))
                    .put("price", Credits.format(e.neededMicros()));
            JsonResponses.send(res, 402, err);
            return;
        }
        try (var fields = LogFields.job(id, null, null, trace.traceId()).with(LogFields.CLIENT, payer)) {
            log.info("job submitted: priority {}, {} retries, {} micro-credits held{}", submission.priority(),
                    submission.retries(), hold.amountMicros(), submission.redundancy().redundant()
                            ? ", " + submission.redundancy().n() + " copies" : "");
        }
        jobChanged.accept(id); // job.queued before the scheduler may lease it (the event reads the job's state)
        wakeScheduler.run();
        res.header(TRACEPARENT, trace.toString());
        String answer = JsonResponses.text(view(job));
        ticket.complete(201, answer, null); // before the answer: a retry that follows it finds the job
        JsonResponses.sendText(res, 201, answer);
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
        Optional<JobResultMessage> m = store.result(id).map(JobsApi::message);
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

    private ObjectNode view(JobRecord j) {
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
                store.result(c.id()).ifPresent(r -> putIf(cv, "logsHash", message(r).logsHash()));
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
        Verdict.checks(d.checksJson()).forEach(c -> checks.addObject().put("name", c.name())
                .put("outcome", c.outcome().wireName()).put("detail", c.detail()));
        return v;
    }

    private static JsonNode resultView(ResultRecord r) {
        JobResultMessage m = message(r);
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

    static JobResultMessage message(ResultRecord r) {
        try {
            return Json.mapper().readValue(r.resultJson(), JobResultMessage.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored result of job " + r.jobId() + " is unreadable", e);
        }
    }

    private static void putIf(ObjectNode v, String field, String value) {
        if (value != null) {
            v.put(field, value);
        }
    }
}
