// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.Cancellation;
import dev.hearth.coordinator.store.CopyShares;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.IdempotencyKeys;
import dev.hearth.coordinator.store.Webhooks;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.coordinator.store.IssuedToken;
import dev.hearth.coordinator.store.JobPage;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.JobWatch;
import dev.hearth.coordinator.store.LeaseGrant;
import dev.hearth.coordinator.store.Liveness;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.LedgerBook;
import dev.hearth.coordinator.store.NewJob;
import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TokenCheck;
import dev.hearth.coordinator.store.TokenRecord;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.coordinator.store.VerdictRecord;
import dev.hearth.core.job.Redundancy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link Store} over SQL, for any dialect's {@link Transactions}: checks arguments, takes the time, names the
 * operation, and runs one table's statements in one transaction. Thread-safe as its transactions are.
 */
final class SqlStore implements Store {

    private final Transactions tx;
    private final InstantSource clock;
    private final LedgerBook ledger;
    private final Tenants tenants;
    private final IdempotencyKeys idempotencyKeys;
    private final Webhooks webhooks;
    private final dev.hearth.coordinator.store.Blobs blobs;
    private final List<JobWatch> watchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ClusterFeed feed;

    /** A store no other coordinator shares. */
    SqlStore(Transactions tx, InstantSource clock) {
        this(tx, clock, ClusterFeed.NONE);
    }

    /** A store other coordinators may share: changes are announced on {@code feed}, which starts listening here. */
    SqlStore(Transactions tx, InstantSource clock, ClusterFeed feed) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.feed = Objects.requireNonNull(feed, "feed");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ledger = new SqlLedgerBook(tx, clock);
        this.tenants = new SqlTenants(tx, clock);
        this.idempotencyKeys = new SqlIdempotencyKeys(tx, clock);
        this.webhooks = new SqlWebhooks(tx, clock);
        this.blobs = new SqlBlobs(tx, clock);
        feed.start(watchers);
    }

    @Override
    public IssuedToken createToken(String label, Duration ttl) {
        Objects.requireNonNull(label, "label");
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("token ttl must be positive or absent (no expiry), got " + ttl);
        }
        Instant now = now();
        return tx.write("create token '" + label + "'", c -> TokenTable.create(c, label, ttl, now));
    }

    @Override
    public TokenCheck authenticateToken(String plaintext, String nodePublicKey) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(nodePublicKey, "nodePublicKey");
        Instant now = now();
        // Never the token itself in the operation's name: it ends up in exception messages.
        return tx.write("authenticate a token for key " + nodePublicKey,
                c -> TokenTable.authenticate(c, plaintext, nodePublicKey, now));
    }

    @Override
    public List<TokenRecord> tokens() {
        return tx.read("list tokens", TokenTable::all);
    }

    @Override
    public void upsertNode(NodeRecord node) {
        Objects.requireNonNull(node, "node");
        tx.write("upsert node " + node.id(), c -> {
            NodeTable.upsert(c, millis(node));
            return null;
        });
    }

    @Override
    public boolean heartbeat(String nodeId, Instant at, NodeState state) {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(state, "state");
        Instant when = at.truncatedTo(ChronoUnit.MILLIS);
        return tx.write("heartbeat of node " + nodeId, c -> NodeTable.heartbeat(c, nodeId, when, state));
    }

    @Override
    public boolean setNodeState(String nodeId, NodeState state) {
        Objects.requireNonNull(state, "state");
        return tx.write("set node " + nodeId + " " + state, c -> NodeTable.setState(c, nodeId, state));
    }

    @Override
    public int heartbeats(List<Liveness> beats) {
        List<Liveness> batch = List.copyOf(beats);
        if (batch.isEmpty()) {
            return 0;
        }
        return tx.write("record " + batch.size() + " heartbeats", c -> {
            int updated = 0;
            for (Liveness b : batch) {
                if (NodeTable.heartbeatIfLive(c, b.nodeId(), b.at().truncatedTo(ChronoUnit.MILLIS), b.state())) {
                    updated++;
                }
            }
            return updated;
        });
    }

    @Override
    public Optional<NodeRecord> node(String id) {
        return tx.read("read node " + id, c -> NodeTable.byId(c, id));
    }

    @Override
    public List<NodeRecord> nodes() {
        return tx.read("list nodes", NodeTable::all);
    }

    @Override
    public List<NodeRecord> nodesSilentSince(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        return tx.read("list nodes silent since " + cutoff, c -> NodeTable.silentSince(c, cutoff));
    }

    @Override
    public JobRecord submitJob(String id, String specJson, int priority, int maxRetries, HoldRequest hold) {
        return submitJobs(List.of(new NewJob(id, specJson, priority, maxRetries, hold, Redundancy.NONE))).getFirst();
    }

    @Override
    public JobRecord submitRedundantJob(String id, String specJson, int priority, int maxRetries, HoldRequest hold,
            Redundancy redundancy) {
        if (!Objects.requireNonNull(redundancy, "redundancy").redundant()) {
            throw new IllegalArgumentException("job " + id + " is not k-of-n: " + redundancy);
        }
        return submitJobs(List.of(new NewJob(id, specJson, priority, maxRetries, hold, redundancy))).getFirst();
    }

    @Override
    public List<JobRecord> submitJobs(List<NewJob> jobs) {
        if (jobs.isEmpty()) {
            return List.of();
        }
        Instant now = now();
        String what = jobs.size() == 1 ? "submit job " + jobs.getFirst().id() : "submit " + jobs.size() + " jobs";
        List<JobRecord> submitted = tx.write(what, c -> {
            List<JobRecord> out = new ArrayList<>(jobs.size());
            for (NewJob j : jobs) {
                out.add(submit(c, j, now));
            }
            return out;
        });
        List<String> changed = new ArrayList<>();
        for (NewJob j : jobs) {
            for (int i = 1; i <= (j.redundancy().redundant() ? j.redundancy().n() : 0); i++) {
                changed.add(JobRecord.copyId(j.id(), i));
            }
            changed.add(j.id());
        }
        changedAll(changed);
        return submitted;
    }

    /** Inserts one job (a k-of-n job's parent and copies) with its holds, on the caller's transaction. */
    private static JobRecord submit(Connection c, NewJob j, Instant now) throws SQLException {
        if (!j.redundancy().redundant()) {
            JobRecord job = JobTable.submit(c, j.id(), j.specJson(), j.priority(), j.maxRetries(), now);
            HoldTable.take(c, j.id(), j.hold(), now);
            return job;
        }
        Redundancy r = j.redundancy();
        JobRecord job = JobTable.submitRedundant(c, j.id(), j.specJson(), j.priority(), j.maxRetries(), r, now);
        HoldTable.take(c, j.id(), new HoldRequest(j.hold().accountId(), 0), now);
        for (int i = 1; i <= r.n(); i++) {
            HoldTable.take(c, JobRecord.copyId(j.id(), i), new HoldRequest(j.hold().accountId(),
                    CopyShares.share(j.hold().amountMicros(), r.n(), i)), now);
        }
        return job;
    }

    @Override
    public List<JobRecord> copies(String parentId) {
        return tx.read("read copies of job " + parentId, c -> JobTable.copies(c, parentId));
    }

    @Override
    public List<String> nodesOfCopies(String parentId) {
        return tx.read("read nodes of copies of job " + parentId, c -> JobTable.nodesOfCopies(c, parentId));
    }

    @Override
    public boolean finishRedundantJob(String parentId, JobState to, String reason) {
        if (!to.isFinal()) {
            throw new IllegalArgumentException("a k-of-n job ends final, not " + to);
        }
        Instant now = now();
        return changed(parentId, tx.write("finish job " + parentId + " as " + to,
                c -> JobTable.move(c, parentId, JobState.REDUNDANT, to, reason, now)));
    }

    @Override
    public Optional<JobRecord> job(String id) {
        return tx.read("read job " + id, c -> JobTable.byId(c, id));
    }

    @Override
    public List<JobRecord> jobs(Optional<JobState> state) {
        Objects.requireNonNull(state, "state");
        return tx.read("list jobs" + state.map(s -> " in state " + s).orElse(""), c -> JobTable.list(c, state));
    }

    @Override
    public List<JobRecord> jobs(Collection<String> ids) {
        List<String> wanted = List.copyOf(ids);
        if (wanted.isEmpty()) {
            return List.of();
        }
        return tx.read("read " + wanted.size() + " jobs by id", c -> JobTable.byIds(c, wanted));
    }

    @Override
    public void watchJobs(JobWatch watch) {
        watchers.add(Objects.requireNonNull(watch, "watch"));
    }

    @Override
    public List<JobRecord> queuedJobs() {
        return tx.read("list queued jobs", JobTable::queued);
    }

    @Override
    public JobPage jobPage(Optional<JobState> state, Optional<JobPage.Cursor> after, int limit) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(after, "after");
        if (limit < 1 || limit > JobPage.MAX_LIMIT) {
            throw new IllegalArgumentException("limit " + limit + " is invalid: 1 to " + JobPage.MAX_LIMIT);
        }
        return tx.read("list a page of jobs", c -> JobTable.page(c, Optional.empty(), state, after, limit));
    }

    @Override
    public JobPage jobPageOf(String account, Optional<JobState> state, Optional<JobPage.Cursor> after, int limit) {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(after, "after");
        if (limit < 1 || limit > JobPage.MAX_LIMIT) {
            throw new IllegalArgumentException("limit " + limit + " is invalid: 1 to " + JobPage.MAX_LIMIT);
        }
        return tx.read("list a page of jobs of " + account, c -> JobTable.page(c, Optional.of(account), state, after,
                limit));
    }

    @Override
    public List<JobRecord> jobsOwnedBy(String account, Set<JobState> states) {
        Objects.requireNonNull(account, "account");
        return tx.read("list jobs of " + account, c -> JobTable.ownedBy(c, account, states));
    }

    @Override
    public Map<JobState, Long> jobCounts() {
        return tx.read("count jobs by state", JobTable::counts);
    }

    @Override
    public Map<NodeState, Long> nodeCounts() {
        return tx.read("count nodes by state", NodeTable::counts);
    }

    @Override
    public List<String> pruneFinishedJobs(Instant cutoff, int limit) {
        Objects.requireNonNull(cutoff, "cutoff");
        if (limit < 1) {
            throw new IllegalArgumentException("prune limit must be at least 1, got " + limit);
        }
        Instant now = now();
        return changedAll(tx.write("prune jobs final before " + cutoff, c -> RetentionTable.prune(c, cutoff, limit, now)));
    }

    @Override
    public Optional<Instant> prunedAt(String jobId) {
        Objects.requireNonNull(jobId, "jobId");
        return tx.read("read when job " + jobId + " was pruned", c -> RetentionTable.prunedAt(c, jobId));
    }

    @Override
    public void ping() {
        tx.read("ping the store", c -> Statements.queryOne(c, "SELECT 1", rs -> rs.getInt(1)));
    }

    @Override
    public boolean setReason(String jobId, String reason) {
        Instant now = now();
        return tx.write("set reason of job " + jobId, c -> JobTable.setReason(c, jobId, reason, now));
    }

    @Override
    public int setReasons(Map<String, String> reasons) {
        if (reasons.isEmpty()) {
            return 0;
        }
        Instant now = now();
        return tx.write("set reasons of " + reasons.size() + " jobs", c -> {
            int set = 0;
            for (Map.Entry<String, String> r : reasons.entrySet()) {
                set += JobTable.setReason(c, r.getKey(), r.getValue(), now) ? 1 : 0;
            }
            return set;
        });
    }

    @Override
    public boolean markUnplaceable(String jobId, String reason) {
        Objects.requireNonNull(reason, "reason");
        Instant now = now();
        return changed(jobId, tx.write("mark job " + jobId + " unplaceable",
                c -> JobTable.move(c, jobId, JobState.QUEUED, JobState.UNPLACEABLE, reason, now)));
    }

    @Override
    public boolean markPlaceable(String jobId) {
        Instant now = now();
        return changed(jobId, tx.write("mark job " + jobId + " placeable",
                c -> JobTable.move(c, jobId, JobState.UNPLACEABLE, JobState.QUEUED, null, now)));
    }

    @Override
    public Lease grantLease(String jobId, String nodeId, List<Integer> gpuIndexes, Instant deadline) {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        Instant now = now();
        return changed(jobId, tx.write("grant lease of job " + jobId + " to node " + nodeId,
                c -> LeaseTable.grant(c, jobId, nodeId, gpuIndexes, deadline, now)));
    }

    @Override
    public List<Lease> grantLeases(List<LeaseGrant> grants) {
        List<LeaseGrant> batch = List.copyOf(grants);
        if (batch.isEmpty()) {
            return List.of();
        }
        Instant now = now();
        List<Lease> leases = tx.write("grant " + batch.size() + " leases", c -> {
            List<Lease> granted = new ArrayList<>(batch.size());
            for (LeaseGrant g : batch) {
                LeaseTable.grantIfQueued(c, g.jobId(), g.nodeId(), g.gpuIndexes(), g.deadline(), now)
                        .ifPresent(granted::add);
            }
            return granted;
        });
        feed.announce(leases.stream().map(Lease::jobId).toList()); // this coordinator applies them itself
        return leases;
    }

    @Override
    public boolean decidesLiveness() {
        return feed.decides();
    }

    @Override
    public List<Lease> expiredLeases(Instant now) {
        Objects.requireNonNull(now, "now");
        return tx.read("list expired leases", c -> LeaseTable.expired(c, now));
    }

    @Override
    public boolean expireLease(String jobId, long epoch, String reason) {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(reason, "reason");
        Instant now = now();
        return changed(jobId, tx.write("expire lease of job " + jobId + " epoch " + epoch,
                c -> LeaseTable.expire(c, jobId, epoch, reason, now)));
    }

    @Override
    public int leaseExpiries(String nodeId) {
        return tx.read("count lease expiries of node " + nodeId, c -> LeaseTable.expiries(c, nodeId));
    }

    @Override
    public boolean cordonNode(String nodeId, String reason) {
        Objects.requireNonNull(reason, "reason");
        return tx.write("cordon node " + nodeId, c -> Statements.update(c,
                "UPDATE nodes SET cordon_reason = ? WHERE id = ?", reason, nodeId) == 1);
    }

    @Override
    public boolean uncordonNode(String nodeId) {
        Instant now = now();
        return tx.write("uncordon node " + nodeId, c -> Statements.update(c,
                "UPDATE nodes SET cordon_reason = NULL, expiries_cleared_at = ? WHERE id = ?", now, nodeId) == 1);
    }

    @Override
    public boolean setNodeLimits(String nodeId, NodeLimits limits) {
        return tx.write("set limits of node " + nodeId, c -> Statements.update(c,
                "UPDATE nodes SET limits = ? WHERE id = ?", limits == null ? null : limits.stored(), nodeId) == 1);
    }

    @Override
    public Map<String, NodeLimits> nodeLimits() {
        return tx.read("list node limits", c -> {
            Map<String, NodeLimits> out = new java.util.TreeMap<>();
            for (String[] row : Statements.query(c, "SELECT id, limits FROM nodes WHERE limits IS NOT NULL",
                    rs -> new String[] {rs.getString(1), rs.getString(2)})) {
                out.put(row[0], NodeLimits.fromStored(row[1]));
            }
            return out;
        });
    }

    @Override
    public Map<String, String> cordoned() {
        return tx.read("list cordoned nodes", c -> {
            Map<String, String> out = new java.util.TreeMap<>();
            for (String[] row : Statements.query(c, "SELECT id, cordon_reason FROM nodes WHERE cordon_reason IS NOT NULL",
                    rs -> new String[] {rs.getString(1), rs.getString(2)})) {
                out.put(row[0], row[1]);
            }
            return out;
        });
    }

    @Override
    public Map<String, List<Integer>> gpusInUse() {
        return tx.read("list GPUs in use", LeaseTable::gpusInUse);
    }

    @Override
    public boolean markRunning(String jobId, long epoch) {
        Instant now = now();
        return tx.write("mark job " + jobId + " running under epoch " + epoch,
                c -> LeaseTable.markRunning(c, jobId, epoch, now));
    }

    @Override
    public List<String> revokeLeasesOf(String nodeId, String reason) {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(reason, "reason");
        Instant now = now();
        return changedAll(tx.write("revoke leases of node " + nodeId, c -> LeaseTable.revokeAllOf(c, nodeId, reason, now)));
    }

    @Override
    public List<String> reclaimUnclaimed(String nodeId, Map<String, Long> claimed, Instant grantedBy) {
        Objects.requireNonNull(nodeId, "nodeId");
        Map<String, Long> held = Map.copyOf(claimed);
        Objects.requireNonNull(grantedBy, "grantedBy");
        Instant now = now();
        return changedAll(tx.write("reclaim leases node " + nodeId + " no longer claims",
                c -> LeaseTable.reclaimUnclaimed(c, nodeId, held, grantedBy, now)));
    }

    @Override
    public ResultAcceptance acceptResult(String jobId, String nodeId, long epoch, String status, long exitCode,
            String resultJson, String receiptDigest) {
        ResultRecord result = new ResultRecord(jobId, epoch, nodeId, status, exitCode, resultJson, now());
        return changed(jobId, tx.write("accept result of job " + jobId + " from node " + nodeId + " under epoch "
                + epoch, c -> ResultTable.accept(c, result, receiptDigest)));
    }

    @Override
    public Optional<Lease> lease(String jobId, long epoch) {
        return tx.read("read lease " + epoch + " of job " + jobId, c -> LeaseTable.byId(c, jobId, epoch));
    }

    @Override
    public List<ResultRecord> pendingVerifications(Instant dueBy) {
        Objects.requireNonNull(dueBy, "dueBy");
        return tx.read("list results pending verification", c -> ResultTable.pending(c, dueBy));
    }

    @Override
    public Optional<VerdictRecord> verdict(String jobId) {
        return tx.read("read verdict of job " + jobId, c -> VerdictTable.byJob(c, jobId));
    }

    @Override
    public boolean decideVerdict(VerdictRecord verdict, JobState jobState, String reason) {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(jobState, "jobState");
        if (verdict.outcome() == VerdictOutcome.PENDING || !jobState.isFinal()) {
            throw new IllegalArgumentException("a verdict on job " + verdict.jobId() + " must decide (got "
                    + verdict.outcome() + ") and end the job in a final state (got " + jobState + ")");
        }
        Instant now = now();
        return changed(verdict.jobId(), tx.write("decide verdict " + verdict.outcome() + " on job "
                + verdict.jobId(), c -> VerdictTable.decide(c, verdict, jobState, reason, now)));
    }

    @Override
    public boolean deferVerification(String jobId, String error, Instant nextAttemptAt) {
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Instant next = nextAttemptAt.truncatedTo(ChronoUnit.MILLIS);
        return tx.write("defer verification of job " + jobId, c -> VerdictTable.defer(c, jobId, error, next));
    }

    @Override
    public List<ResultRecord> resultsWithReceiptDigest(String receiptDigest) {
        Objects.requireNonNull(receiptDigest, "receiptDigest");
        return tx.read("find results by receipt digest", c -> ResultTable.byReceiptDigest(c, receiptDigest));
    }

    @Override
    public List<VerdictRecord> unannouncedVerdicts() {
        return tx.read("list unannounced verdicts", VerdictTable::unannounced);
    }

    @Override
    public boolean markAnnounced(String jobId) {
        return tx.write("mark verdict of job " + jobId + " announced", c -> VerdictTable.markAnnounced(c, jobId));
    }

    @Override
    public boolean flagResult(String jobId, String why) {
        Objects.requireNonNull(why, "why");
        return tx.write("flag result of job " + jobId, c -> VerdictTable.flag(c, jobId, why));
    }

    @Override
    public Optional<ResultRecord> result(String jobId) {
        return tx.read("read result of job " + jobId, c -> ResultTable.byJob(c, jobId));
    }

    @Override
    public Cancellation cancelJob(String jobId) {
        Instant now = now();
        return changed(jobId, tx.write("cancel job " + jobId, c -> JobTable.cancel(c, jobId, now)));
    }

    @Override
    public LedgerBook ledger() {
        return ledger;
    }

    @Override
    public void close() {
        try {
            feed.close(); // sends what is queued while the connections are still open
        } finally {
            tx.close();
        }
    }

    /** Tells the watchers that job {@code id} may have changed; returns {@code result}. */
    private <T> T changed(String id, T result) {
        for (JobWatch w : watchers) {
            w.changed(id);
        }
        feed.announce(List.of(id));
        return result;
    }

    /** Tells the watchers of each job in {@code ids}; returns them. */
    private List<String> changedAll(List<String> ids) {
        for (JobWatch w : watchers) {
            ids.forEach(w::changed);
        }
        feed.announce(ids);
        return ids;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** The node with its times cut to what the store keeps, so what is written is what is read back. */
    private static NodeRecord millis(NodeRecord n) {
        return new NodeRecord(n.id(), n.publicKey(), n.hostname(), n.os(), n.arch(), n.cpus(), n.memoryBytes(),
                n.runtimes(), n.gpus(), n.agentVersion(), n.protocolVersion(), n.state(),
                n.lastHeartbeat().truncatedTo(ChronoUnit.MILLIS), n.registeredAt().truncatedTo(ChronoUnit.MILLIS));
    }

    @Override
    public Tenants tenants() {
        return tenants;
    }

    @Override
    public IdempotencyKeys idempotencyKeys() {
        return idempotencyKeys;
    }

    @Override
    public Webhooks webhooks() {
        return webhooks;
    }

    @Override
    public dev.hearth.coordinator.store.Blobs blobs() {
        return blobs;
    }
}
