// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.coordinator.CoordinatorMetrics;
import dev.hearth.coordinator.logs.JobLogs;
import dev.hearth.coordinator.store.Check;
import dev.hearth.coordinator.oracle.Oracle;
import dev.hearth.coordinator.oracle.VerificationQueue;
import dev.hearth.coordinator.oracle.Verdict;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Liveness;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.StoreException;
import dev.hearth.core.json.Json;
import dev.hearth.core.log.LogFields;
import dev.hearth.core.protocol.Ack;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.AgentMessage;
import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.InstanceList;
import dev.hearth.core.protocol.InstanceProgress;
import dev.hearth.core.protocol.InstanceResult;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.JobLog;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.JobStarted;
import dev.hearth.core.protocol.MessageTypes;
import dev.hearth.core.protocol.Pong;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;
import dev.hearth.core.protocol.Register;
import dev.hearth.core.protocol.ResultAck;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the coordinator does with each agent message: registration (delegated to {@link Registration}),
 * heartbeats, job starts and results under the lease rules of docs/protocol.md. A bad message gets an
 * {@code error} with a stable code and is logged; it never throws into the connection, so one node's garbage
 * cannot stall another. Thread-safe.
 */
public final class MessageHandler {

    private static final Logger log = LoggerFactory.getLogger(MessageHandler.class);

    private final Store store;
    private final Runnable wakeScheduler;
    private final CoordinatorMetrics metrics;
    private final InstantSource clock;
    private final int maxFrameBytes;
    private final Registration registration;
    private final JobLogs jobLogs;
    private final VerificationQueue verifier;
    private final LogBudget logBudget;
    private AgentHub hub;
    private volatile InstanceRelay instances;
    private volatile LeaseClaims claims = LeaseClaims.NONE;
    private volatile Heartbeats heartbeats;
    private volatile java.util.function.Consumer<String> jobChanged = id -> { };

    /**
     * @param store the durable state
     * @param wakeScheduler called when capacity or the queue may have changed
     * @param metrics where counters go
     * @param clock heartbeat times
     * @param maxFrameBytes largest message accepted
     * @param heartbeatSeconds the interval told to agents
     * @param jobLogs where streamed output of running jobs goes (the jobs' full logs)
     * @param verifier the oracle's queue, which judges each accepted result before it is final
     */
    public MessageHandler(Store store, Runnable wakeScheduler, CoordinatorMetrics metrics, InstantSource clock,
            int maxFrameBytes, int heartbeatSeconds, JobLogs jobLogs, VerificationQueue verifier) {
        this.store = store;
        this.wakeScheduler = wakeScheduler;
        this.metrics = metrics;
        this.clock = clock;
        this.maxFrameBytes = maxFrameBytes;
        this.registration = new Registration(store, clock, heartbeatSeconds);
        this.jobLogs = jobLogs;
        this.verifier = verifier;
        this.logBudget = new LogBudget(20, java.time.Duration.ofSeconds(10), clock);
    }

    void attach(AgentHub value) {
        hub = value;
    }

    /** Who is told which leases a registering node still holds (the scheduler, which takes back the others). */
    public void attach(LeaseClaims value) {
        claims = value;
    }

    /**
     * Where heartbeats are recorded, to reach the store in batches (the scheduler flushes them); without one each
     * heartbeat is written to the store at once, in its own transaction.
     */
    public void attach(Heartbeats value) {
        heartbeats = value;
    }

    /** Who is told the id of each job a node started or finished (its {@code job.running}, {@code job.verifying}). */
    public void onJobChanged(java.util.function.Consumer<String> listener) {
        jobChanged = java.util.Objects.requireNonNull(listener, "listener");
    }

    /** Where instance reports and answers go; without one they are refused as not understood. */
    public void attach(InstanceRelay relay) {
        instances = relay;
    }

    /** Counts a message sent to an agent. */
    void sent(CoordinatorMessage message) {
        if (metrics != null) {
            metrics.sent(message);
        }
    }

    int maxFrameBytes() {
        return maxFrameBytes;
    }

    void frameTooLarge(NodeSession node, String address, int cap) {
        count(ErrorCode.FRAME_TOO_LARGE);
        warnLimited(node, "closing the connection of "
                + (node == null ? "an unregistered peer" : "node " + node.nodeId()) + " from " + address
                + ": a message over " + cap + " bytes");
    }

    /**
     * Logs a warning about a peer within the log budget (20 lines per 10 s), so that garbage sent on purpose cannot
     * flood the log; what the budget suppressed is counted in the next line that passes. A line about a registered
     * node carries its id as the {@code node} field.
     */
    void warnLimited(NodeSession node, String line) {
        logBudget.take().ifPresent(suppressed -> {
            try (var fields = LogFields.scope().with(LogFields.NODE, node == null ? null : node.nodeId())) {
                if (suppressed > 0) {
                    log.warn("{} (and {} similar lines suppressed)", line, suppressed);
                } else {
                    log.warn("{}", line);
                }
            }
        });
    }

    private void count(ErrorCode code) {
        if (metrics != null) {
            metrics.count("hearth_agent_errors_total", "code", code.wireName());
        }
    }

    /**
     * Answers a {@code job_result} over the frame cap from a registered Hearth node with a refused {@code result_ack}
     * ({@code result_too_large}), learning the job id (and the epoch, when present) from the message's first
     * characters; the epoch otherwise is the node's current lease of that job.
     *
     * @return false when the prefix is not such a result (the caller closes the connection)
     */
    boolean resultTooLarge(AgentConnection conn, String prefix) {
        NodeSession node = conn.node();
        if (node == null || !node.hearth()) {
            return false;
        }
        Optional<String> jobId = OversizeResult.jobId(prefix);
        if (jobId.isEmpty()) {
            return false;
        }
        long epoch = OversizeResult.epoch(prefix).orElseGet(() -> store.job(jobId.get())
                .filter(j -> node.nodeId().equals(j.nodeId())).map(JobRecord::epoch).orElse(-1L));
        String reason = "the result of job " + jobId.get() + " is larger than the coordinator's cap of "
                + maxFrameBytes + " characters; it was not recorded. Keep logs and outputs within the limits";
        // In its place the lease ends with an unsigned error result, which the oracle fails like any result without
        // its receipt: the job does not hang on a lease whose result can never arrive, and nothing is paid for it.
        JobResultMessage stand = new JobResultMessage(jobId.get(), node.nodeId(), "error", false, "", -1, null, null,
                clock.millis(), epoch, null, null, null, 0L, false, reason, null, null);
        ResultAcceptance outcome = store.acceptResult(jobId.get(), node.nodeId(), epoch, "error", -1,
                Json.mapper().valueToTree(stand).toString(), Oracle.receiptDigest(null));
        metrics.count("hearth_results_total", "outcome", ErrorCode.RESULT_TOO_LARGE.wireName());
        try (var fields = LogFields.job(jobId.get(), node.nodeId(), epoch, null)) {
            log.warn("refused result of job {} from node {} (epoch {}): over {} characters{}", jobId.get(),
                    node.nodeId(), epoch, maxFrameBytes, outcome instanceof ResultAcceptance.Accepted
                            ? "; the lease ends with an error" : "");
        }
        if (outcome instanceof ResultAcceptance.Accepted) {
            jobLogs.finished(jobId.get(), epoch);
            verifier.verifyNow(jobId.get());
        }
        node.send(new ResultAck(jobId.get(), epoch, false, ErrorCode.RESULT_TOO_LARGE.wireName(), reason));
        if (outcome instanceof ResultAcceptance.Accepted) {
            wakeScheduler.run();
        }
        return true;
    }

    void handle(AgentConnection conn, String frame) {
        AgentMessage message;
        try {
            message = ProtocolCodec.decodeAgentMessage(frame);
        } catch (ProtocolException e) {
            metrics.message("in", "invalid");
            refuse(conn, e.code(), e.getMessage());
            return;
        }
        metrics.message("in", MessageTypes.of(message));
        if (message instanceof Heartbeat || message instanceof Register) {
            handleNow(conn, message); // a heartbeat is answered at once, whatever waits for the store
            return;
        }
        try {
            conn.inOrder(() -> handleNow(conn, message));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the connection ends; the node sends what it still holds again
        }
    }

    private void handleNow(AgentConnection conn, AgentMessage message) {
        // every line about this message carries the node and, where the message names them, the job and epoch or
        // the instance (ids the node chose are fields only once the node is registered and the message parsed)
        try (var fields = fields(conn, message)) {
            dispatch(conn, message);
        } catch (StoreException e) {
            // the store's trouble, not the peer's: the detail goes to the log, not to a stranger
            log.error("handling {} from node {} failed in the store", message.getClass().getSimpleName(),
                    conn.node() == null ? "(unregistered)" : conn.node().nodeId(), e);
            refuse(conn, ErrorCode.UNAVAILABLE, "the coordinator could not handle this message now (its store did "
                    + "not answer); send it again later");
        } catch (RuntimeException e) {
            log.error("handling {} from node {} failed", message.getClass().getSimpleName(),
                    conn.node() == null ? "(unregistered)" : conn.node().nodeId(), e);
            refuse(conn, ErrorCode.INVALID_MESSAGE, "the coordinator could not handle this message: " + e.getMessage());
        }
    }

    private static LogFields.Scope fields(AgentConnection conn, AgentMessage message) {
        LogFields.Scope s = LogFields.scope().with(LogFields.NODE, conn.node() == null ? null : conn.node().nodeId());
        return switch (message) {
            case JobStarted j -> s.with(LogFields.JOB, j.jobId()).with(LogFields.EPOCH, j.epoch());
            case JobLog l -> s.with(LogFields.JOB, l.jobId()).with(LogFields.EPOCH, l.epoch());
            case JobResultMessage r -> s.with(LogFields.JOB, r.id()).with(LogFields.EPOCH, r.epoch());
            case InstanceResult r -> s.with(LogFields.INSTANCE, r.instanceId());
            default -> s;
        };
    }

    private void dispatch(AgentConnection conn, AgentMessage message) {
        switch (message) {
            case Register r -> registration.register(conn, r, hub, claims).ifPresent(session -> {
                if (session.hearth() && r.instances() != null && instances != null) {
                    instances.registered(session.nodeId(), new InstanceList(session.nodeId(), r.instances()));
                }
                wakeScheduler.run();
            });
            case Heartbeat h -> heartbeat(conn, h);
            case JobStarted s -> started(conn, s);
            case JobLog l -> liveLog(conn, l);
            case JobResultMessage r -> result(conn, r);
            case Pong p -> { }
            case InstanceList l -> instanceMessage(conn, l);
            case InstanceProgress p -> instanceMessage(conn, p);
            case InstanceResult r -> instanceMessage(conn, r);
        }
    }

    /** An instance list, step or answer from a Hearth node, for the relay (docs/protocol.md, Instances). */
    private void instanceMessage(AgentConnection conn, AgentMessage m) {
        NodeSession node = conn.node();
        InstanceRelay relay = instances;
        if (node == null) {
            refuse(conn, ErrorCode.NOT_REGISTERED, m.getClass().getSimpleName() + " before register");
            return;
        }
        if (relay == null || !node.hearth()) {
            refuse(conn, ErrorCode.UNKNOWN_TYPE, "Unknown message type: instance messages are hearth/1 only");
            return;
        }
        switch (m) {
            case InstanceList l -> relay.reported(node.nodeId(), l);
            case InstanceProgress p -> relay.progress(node.nodeId(), p);
            case InstanceResult r -> relay.result(node.nodeId(), r);
            default -> throw new IllegalStateException("not an instance message: " + m.getClass());
        }
    }

    private void heartbeat(AgentConnection conn, Heartbeat h) {
        NodeSession node = conn.node();
        if (node == null) {
            if (h.nodeId() != null) {
                refuse(conn, ErrorCode.NOT_REGISTERED, "heartbeat before register");
            }
            return; // v2.0 sends one heartbeat with nodeId null before registered arrives: tolerated
        }
        boolean draining = "draining".equals(h.state());
        boolean changed = node.draining() != draining;
        node.draining(draining);
        NodeState state = draining ? NodeState.DRAINING : NodeState.ONLINE;
        Heartbeats buffer = heartbeats;
        if (buffer != null) {
            buffer.record(new Liveness(node.nodeId(), clock.instant(), state)); // no transaction per heartbeat
        } else {
            store.heartbeat(node.nodeId(), clock.instant(), state);
        }
        node.send(new Ack());
        if (changed) {
            // Only a move between online and draining changes what the scheduler may place; waking it on every
            // heartbeat made it rescan the store about N/interval times a second (1000/s for 10000 nodes).
            wakeScheduler.run();
        }
    }

    private void started(AgentConnection conn, JobStarted s) {
        NodeSession node = conn.node();
        if (node == null) {
            refuse(conn, ErrorCode.NOT_REGISTERED, "job_started before register");
            return;
        }
        if (store.markRunning(s.jobId(), s.epoch())) {
            jobChanged.accept(s.jobId());
        } else {
            Optional<JobRecord> job = store.job(s.jobId());
            try (var fields = LogFields.job(s.jobId(), node.nodeId(), s.epoch(), null)) {
                log.warn("node {} started job {} under stale epoch {} (current {}); telling it to drop the job",
                    node.nodeId(), s.jobId(), s.epoch(), job.map(JobRecord::epoch).orElse(-1L));
            }
            node.send(new JobCancel(s.jobId(), s.epoch(), ErrorCode.STALE_LEASE.wireName()));
        }
    }

    private void liveLog(AgentConnection conn, JobLog l) {
        NodeSession node = conn.node();
        if (node == null) {
            refuse(conn, ErrorCode.NOT_REGISTERED, "job_log before register");
            return;
        }
        Optional<JobRecord> job = store.job(l.jobId());
        if (stale(job, node.nodeId(), l.epoch())) {
            return; // output of a lease taken away: the job_cancel sent for it (or its result) settles the node
        }
        jobLogs.append(l.jobId(), l.epoch(), l.offset(), l.data());
        if (stale(store.job(l.jobId()), node.nodeId(), l.epoch())) {
            jobLogs.staleLease(l.jobId(), l.epoch()); // its lease ended while the chunk was written: no file outlives it
        }
    }

    /**
     * A result: the lease rules decide whether it is the job's one result (accepted for verification, written to the
     * durable queue), then the oracle judges it at once; the ack says the verdict, or why it was refused.
     */
    private void result(AgentConnection conn, JobResultMessage r) {
        NodeSession node = conn.node();
        if (node == null) {
            refuse(conn, ErrorCode.NOT_REGISTERED, "job_result before register");
            return;
        }
        Optional<JobRecord> job = store.job(r.id());
        long epoch = r.epoch() != null ? r.epoch()
                : job.filter(j -> node.nodeId().equals(j.nodeId())).map(JobRecord::epoch).orElse(-1L);
        // the verdict and the settlement run on this thread: their lines carry the job's fields too; the trace id is
        // the one the job was stored under, never one a node sends
        String trace = job.map(JobRecord::traceId).orElse(null);
        try (var fields = LogFields.job(r.id(), node.nodeId(), epoch, trace)) {
            result(node, r, job, epoch);
        }
    }

    private void result(NodeSession node, JobResultMessage r, Optional<JobRecord> job, long epoch) {
        String json = Json.mapper().valueToTree(r).toString();
        ResultAcceptance outcome = store.acceptResult(r.id(), node.nodeId(), epoch, r.status(), r.exitCode(), json,
                Oracle.receiptDigest(r.signature()));
        ErrorCode code = switch (outcome) {
            case ResultAcceptance.Accepted a -> null;
            case ResultAcceptance.StaleEpoch s -> ErrorCode.STALE_LEASE;
            case ResultAcceptance.WrongNode w -> ErrorCode.NOT_YOUR_JOB;
            case ResultAcceptance.UnknownJob u -> ErrorCode.UNKNOWN_JOB;
            case ResultAcceptance.AlreadyFinal f -> ErrorCode.ALREADY_FINAL;
        };
        String reason = code == null ? null : describe(outcome, r, node.nodeId(), epoch);
        Optional<Verdict> verdict = Optional.empty();
        Optional<Check> failed = Optional.empty();
        if (code == null) {
            jobLogs.finished(r.id(), epoch); // its full log is whole: the chunks came before the result
            jobChanged.accept(r.id()); // verifying
            verdict = verifier.verifyNow(r.id());
            failed = verdict.flatMap(Verdict::failure);
            if (failed.isPresent()) {
                code = ErrorCode.VERIFICATION_FAILED;
                reason = failed.get().name() + ": " + failed.get().detail();
            }
        }
        String verdictName = outcome instanceof ResultAcceptance.Accepted
                ? verdict.map(v -> v.outcome().name().toLowerCase(Locale.ROOT)).orElse("pending") : null;
        metrics.count("hearth_results_total", "outcome", code == null ? "accepted" : code.wireName());
        if (code == null) {
            job.filter(j -> j.state() == JobState.RUNNING).ifPresent(j -> metrics.jobDuration(r.status(),
                    java.time.Duration.between(j.updatedAt(), clock.instant())));
            log.info("accepted result of job {} from node {} (epoch {}, status {}, verdict {})", r.id(), node.nodeId(),
                    epoch, r.status(), verdictName);
        } else {
            log.warn("refused result of job {} from node {}: {}", r.id(), node.nodeId(), reason);
        }
        if (node.hearth()) {
            node.send(new ResultAck(r.id(), epoch, code == null, code == null ? null : code.wireName(), reason,
                    verdictName, failed.map(Check::name).orElse(null)));
            if (code == ErrorCode.STALE_LEASE) {
                node.send(new JobCancel(r.id(), epoch, ErrorCode.STALE_LEASE.wireName()));
            }
        } else if (code != null) {
            node.send(ErrorMessage.of(code, reason));
        }
        if (outcome instanceof ResultAcceptance.Accepted) {
            wakeScheduler.run(); // after the ack, so a node hears its result settled before the slot is refilled
        }
    }

    private static String describe(ResultAcceptance outcome, JobResultMessage r, String nodeId, long epoch) {
        return switch (outcome) {
            case ResultAcceptance.StaleEpoch s -> "lease epoch " + epoch + " of job " + r.id()
                    + " was taken from node " + nodeId + "; the current epoch is " + s.current();
            case ResultAcceptance.WrongNode w -> "job " + r.id() + " is leased to node " + w.holder() + ", not " + nodeId;
            case ResultAcceptance.UnknownJob u -> "Job not found: " + r.id();
            case ResultAcceptance.AlreadyFinal f -> "job " + r.id() + " is already "
                    + f.state().name().toLowerCase(Locale.ROOT);
            case ResultAcceptance.Accepted a -> "accepted";
        };
    }

    private void refuse(AgentConnection conn, ErrorCode code, String message) {
        count(code);
        warnLimited(conn.node(), "refused a message from " + (conn.node() == null ? "an unregistered peer" : "node "
                + conn.node().nodeId()) + ": " + code.wireName() + " (" + message + ")");
        conn.sendRaw(ErrorMessage.of(code, message));
    }

    void closed(AgentConnection conn, int status, String reason) {
        NodeSession node = conn.node();
        if (node == null) {
            return;
        }
        hub.disconnected(node);
        if (instances != null && hub.session(node.nodeId()).isEmpty()) { // not when a newer connection replaced it
            instances.disconnected(node.nodeId());
        }
        try (var fields = LogFields.scope().with(LogFields.NODE, node.nodeId())) {
            log.info("node {} disconnected ({} {}); its leases stand until it is lost", node.nodeId(), status, reason);
        }
        if (node.draining()) {
            store.setNodeState(node.nodeId(), NodeState.OFFLINE);
        }
    }

    /** Jobs a node held under a lease that is not current any more. */
    static boolean stale(Optional<JobRecord> job, String nodeId, long epoch) {
        return job.isEmpty() || job.get().epoch() != epoch || !nodeId.equals(job.get().nodeId())
                || !(job.get().state() == JobState.LEASED || job.get().state() == JobState.RUNNING);
    }
}
