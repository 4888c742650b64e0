// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.coordinator.store.sql.PostgresStore;
import dev.hearth.coordinator.store.sql.SqliteStore;
import dev.hearth.core.job.Redundancy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The coordinator's durable state: node tokens, nodes, jobs, their leases and their results.
 *
 * <p>Every operation is one transaction, committed before it returns: a job whose {@link #submitJob} returned
 * survives a crash of the coordinator. Operations that change state check it in the same transaction, so two
 * callers racing on one job cannot both win: a job is leased to one node at a time and has at most one accepted
 * result.
 *
 * <p>Thread-safe: one store is shared by all the coordinator's threads (virtual threads included). Times come from
 * the clock the store was opened with and are kept to the millisecond. Database failures are thrown as
 * {@link StoreException}; misuse (a lease for a job that is not queued, a node that is not registered) as
 * {@link IllegalStateException}; any use after {@link #close()} as {@link IllegalStateException}.
 */
public interface Store extends AutoCloseable {

    /**
     * Opens the SQLite store in {@code file}, creating the file (mode 600) and its folder (mode 700) when absent,
     * and brings its schema up to date.
     *
     * @throws StoreException when the file cannot be created, opened or migrated
     */
    static Store sqlite(Path file, InstantSource clock) {
        return SqliteStore.open(file, clock);
    }

    /**
     * Opens the PostgreSQL store at {@code location} on a pool of {@code poolSize} connections, and brings its
     * schema up to date. Several coordinators may open one database: every change is a conditional update or an
     * insert under a unique key, so racing writers cannot both win.
     *
     * @param password the role's password, empty for none; never logged nor put in an error
     * @throws StoreException when the server cannot be reached, refuses the login, or the migration fails
     */
    static Store postgresql(PostgresLocation location, String password, int poolSize, InstantSource clock) {
        return PostgresStore.open(location, password, poolSize, clock);
    }

    // ---- node tokens

    /**
     * Creates a node token and returns its plaintext this once; only its SHA-256 is stored.
     *
     * @param label what the admin calls it
     * @param ttl how long it stays usable while unused; {@code null} for no expiry. A bound token never expires.
     */
    IssuedToken createToken(String label, Duration ttl);

    /**
     * Checks a token a node presents with its key. The first use of a token binds it to the key and makes the node
     * id; a later use with the same key gets the same node id (a reconnect); another key is refused. Only an unused
     * token expires.
     */
    TokenCheck authenticateToken(String plaintext, String nodePublicKey);

    /** All node tokens, oldest first. */
    List<TokenRecord> tokens();

    // ---- nodes

    /**
     * Records a node's registration: inserts it, or replaces all it reported of an existing node while keeping the
     * time it first registered.
     */
    void upsertNode(NodeRecord node);

    /**
     * Records a heartbeat.
     *
     * @return false when no such node is registered
     */
    boolean heartbeat(String nodeId, Instant at, NodeState state);

    /**
     * Sets a node's state.
     *
     * @return false when no such node is registered
     */
    boolean setNodeState(String nodeId, NodeState state);

    /**
     * Records a batch of heartbeats in one transaction, as {@link #heartbeat} does each: the coordinator buffers them
     * and writes them together, so a heartbeat costs no transaction of its own. A node that is no longer online or
     * draining (lost, offline) or not registered is left as it is: a late heartbeat does not bring it back, the node
     * registers again.
     *
     * @return how many nodes were updated
     */
    int heartbeats(List<Liveness> beats);

    /** The node with this id. */
    Optional<NodeRecord> node(String id);

    /** All nodes, by registration time. */
    List<NodeRecord> nodes();

    /** The online or draining nodes whose last heartbeat is before {@code cutoff}: the ones to mark lost. */
    List<NodeRecord> nodesSilentSince(Instant cutoff);

    // ---- jobs

    /**
     * Queues a free job of the default submitter; see {@link #submitJob(String, String, int, int, HoldRequest)}.
     */
    default JobRecord submitJob(String id, String specJson, int priority, int maxRetries) {
        return submitJob(id, specJson, priority, maxRetries, HoldRequest.FREE);
    }

    /**
     * Queues a job and holds its price in escrow, in one transaction; the job is durable when this returns.
     *
     * @param maxRetries how often it may be tried again after a lost lease (0 or more)
     * @param hold the price and the account it is held from (a hold of 0 is recorded too, so every job is settled)
     * @throws IllegalStateException when a job with this id exists
     * @throws InsufficientFundsException when the account cannot cover the price; no job is created
     */
    JobRecord submitJob(String id, String specJson, int priority, int maxRetries, HoldRequest hold);

    /**
     * Submits a k-of-n job in one transaction: the parent in {@link JobState#REDUNDANT} (never placed, a hold of 0)
     * and its n copies {@link JobRecord#copyId(String, int) ID.copy1 ... ID.copyN}, queued, each holding its
     * {@link CopyShares share} of the price, so the copies' holds add up to the price exactly.
     *
     * @throws IllegalStateException when a job with this id (or a copy's id) exists
     * @throws InsufficientFundsException when the account cannot cover the price; nothing is created
     */
    JobRecord submitRedundantJob(String id, String specJson, int priority, int maxRetries, HoldRequest hold,
            Redundancy redundancy);

    /**
     * Queues several jobs in one transaction, each as {@link #submitJob} or (k-of-n) {@link #submitRedundantJob}
     * would: all of them with their holds, or, when one fails (an id that exists, an account that cannot cover a
     * price after the jobs before it), none.
     *
     * @return the jobs as stored (a k-of-n job's parent), in the order given
     * @throws IllegalStateException when a job with one of the ids exists; nothing is created
     * @throws InsufficientFundsException when an account cannot cover the jobs' prices; nothing is created
     */
    List<JobRecord> submitJobs(List<NewJob> jobs);

    /** The copies of a k-of-n job, by copy number; empty for any other job. */
    List<JobRecord> copies(String parentId);

    /** Every node ever granted a lease of one of the job's copies: where another copy must not go. */
    List<String> nodesOfCopies(String parentId);

    /**
     * Ends a k-of-n job that is still {@link JobState#REDUNDANT}: {@code to} is final.
     *
     * @return false when it is not redundant any more (decided before, cancelled) or does not exist
     */
    boolean finishRedundantJob(String parentId, JobState to, String reason);

    /** The job with this id. */
    Optional<JobRecord> job(String id);

    /** The jobs with these ids that exist (any state), read on one snapshot, in no particular order. */
    List<JobRecord> jobs(java.util.Collection<String> ids);

    /**
     * Adds a watcher told, after each committed operation, the ids of the jobs it may have changed (submits,
     * placeability, grants by {@link #grantLease}, expiries, revocations, reclaims, results, verdicts, cancels,
     * k-of-n ends, prunes). Grants made by {@link #grantLeases} are not reported: its caller applies them itself.
     * With several coordinators on one database the watcher also hears, a moment later, of the jobs the others
     * changed (their grants included), and through {@link JobWatch#missed()} when it may have missed some.
     */
    void watchJobs(JobWatch watch);

    /**
     * Whether this coordinator decides node liveness and lease expiry now. Of several coordinators on one database,
     * exactly one does at a time (the others still write their nodes' heartbeats); a store no other coordinator
     * shares always does.
     */
    default boolean decidesLiveness() {
        return true;
    }

    /** All jobs, or those in one state, oldest first. */
    List<JobRecord> jobs(Optional<JobState> state);

    /** The queued jobs in placement order: priority, highest first, then oldest first. */
    List<JobRecord> queuedJobs();

    /**
     * A page of jobs, newest first, without reading more rows than the page holds.
     *
     * @param state only jobs in this state, or all
     * @param after where the page starts (the previous page's {@link JobPage#next}), or from the newest
     * @param limit the most jobs, 1 to {@link JobPage#MAX_LIMIT}
     */
    JobPage jobPage(Optional<JobState> state, Optional<JobPage.Cursor> after, int limit);

    /**
     * As {@link #jobPage}, of the jobs {@code account} owns only (the account their price is held from; a job
     * without a hold is {@code client:default}'s), filtered in the same query, so a page is as full as the limit.
     */
    JobPage jobPageOf(String account, Optional<JobState> state, Optional<JobPage.Cursor> after, int limit);

    /** The jobs {@code account} owns (as {@link #jobPageOf}) in {@code states}, oldest first, in one query. */
    List<JobRecord> jobsOwnedBy(String account, java.util.Set<JobState> states);

    /** How many jobs are in each state (every state present, 0 when none), counted in one query; reads no spec. */
    Map<JobState, Long> jobCounts();

    /** How many nodes are in each state (every state present, 0 when none), counted in one query on an index. */
    Map<NodeState, Long> nodeCounts();

    /**
     * Checks that the store answers, with the cheapest query it has.
     *
     * @throws StoreException when it does not
     */
    void ping();

    /**
     * Sets the reason shown with a job (why it waits, say), or clears it with {@code null}.
     *
     * @return false when no such job exists
     */
    boolean setReason(String jobId, String reason);

    /**
     * Sets several jobs' reasons in one transaction ({@code null} clears one), as a scheduling pass finds them.
     *
     * @return how many of the jobs exist (and were set)
     */
    int setReasons(java.util.Map<String, String> reasons);

    /**
     * Marks a queued job as one no node can fit, saying why.
     *
     * @return false when the job is not queued (or does not exist)
     */
    boolean markUnplaceable(String jobId, String reason);

    /**
     * Puts an unplaceable job back in the queue, when a node that may fit it appears.
     *
     * @return false when the job is not unplaceable (or does not exist)
     */
    boolean markPlaceable(String jobId);

    // ---- leases

    /**
     * Leases a queued job to a node: its epoch and attempts grow by one, it becomes {@link JobState#LEASED}; the
     * node's GPUs given to it are kept with the lease.
     *
     * @throws IllegalStateException when the job does not exist or is not queued (the message says its state), or
     *     the node is not registered
     */
    default Lease grantLease(String jobId, String nodeId, List<Integer> gpuIndexes) {
        return grantLease(jobId, nodeId, gpuIndexes, null);
    }

    /**
     * Leases a queued job to a node, as {@link #grantLease(String, String, List)} does, with a deadline: a lease still
     * live after it is one {@link #expiredLeases} finds.
     *
     * @param deadline when the lease expires; null for never
     */
    Lease grantLease(String jobId, String nodeId, List<Integer> gpuIndexes, Instant deadline);

    /**
     * Grants several leases in one transaction, each as {@link #grantLease(String, String, List, Instant)} does, except
     * that a job no longer queued (cancelled, say, since the caller read it) is passed over: it lost a race, it is no
     * failure. Any failure (a node not registered, a database error) grants none of the batch.
     *
     * @return the leases granted, in the order of {@code grants}; a job passed over has none
     * @throws IllegalStateException when a node of the batch is not registered; then no lease of the batch was
     *     granted
     */
    List<Lease> grantLeases(List<LeaseGrant> grants);

    /** The live (leased or running) leases whose deadline is at or before {@code now}, oldest deadline first. */
    List<Lease> expiredLeases(Instant now);

    /**
     * Revokes a live lease at its deadline: as {@link #revokeLeasesOf} does for one lease (the job queued again while
     * it has attempts left, else failed; the attempt counted against the node), and the lease is counted as expired.
     *
     * @return false when that lease is no longer live (a result, a cancel or a loss came first): nothing changed
     */
    boolean expireLease(String jobId, long epoch, String reason);

    /** The node's expired leases that ended after its last {@link #uncordonNode uncordon}. */
    int leaseExpiries(String nodeId);

    /**
     * Cordons a node: the scheduler gives it no new jobs until it is uncordoned; its live leases stand.
     *
     * @return false when no such node is registered
     */
    boolean cordonNode(String nodeId, String reason);

    /**
     * Lifts a node's cordon, and its lease expiries so far no longer count toward an automatic cordon.
     *
     * @return false when no such node is registered
     */
    boolean uncordonNode(String nodeId);

    /** The cordoned nodes, with why: node id to reason. */
    Map<String, String> cordoned();

    /**
     * Sets the capacity limits an admin gave one node (they beat the coordinator's flags), or clears them with null.
     *
     * @return false when no such node is registered
     */
    boolean setNodeLimits(String nodeId, NodeLimits limits);

    /** The limits set by {@link #setNodeLimits}, by node id. */
    Map<String, NodeLimits> nodeLimits();

    /** Leases a queued job to a node without GPUs; see {@link #grantLease(String, String, List)}. */
    default Lease grantLease(String jobId, String nodeId) {
        return grantLease(jobId, nodeId, List.of());
    }

    /** The GPU indexes held by live (leased or running) jobs, by node. */
    Map<String, List<Integer>> gpusInUse();

    /**
     * Records that the node holding the lease of this epoch started the job.
     *
     * @return false when that lease is not live (stale epoch, or the job is no longer leased)
     */
    boolean markRunning(String jobId, long epoch);

    /**
     * Ends every live lease of a node (it was lost, say). Each job goes back to the queue while it has attempts
     * left (a job is attempted at most {@code 1 + maxRetries} times), else fails; either way {@code reason} is
     * recorded. The revoked epochs are stale from now on: a result sent under them is refused.
     *
     * @return the ids of the jobs whose lease was revoked
     */
    List<String> revokeLeasesOf(String nodeId, String reason);

    /**
     * Takes back the live leases of a node that registered again without them. A Hearth node names, when it
     * registers, every lease it still holds (its job running, or its result unsent); a live lease granted at or before
     * {@code grantedBy} that it does not name was lost on the way. A job still {@link JobState#LEASED} never reached
     * the node (its offer was lost with a connection or a coordinator): it goes back to the queue, and that attempt
     * is not counted. A {@link JobState#RUNNING} job was lost by the node (it restarted without it): as with
     * {@link #revokeLeasesOf}, it goes back to the queue while it has attempts left, else fails, and counts against
     * the node. Either way the lease's epoch is stale from now on.
     *
     * @param claimed the leases the node holds: job id to epoch
     * @return the ids of the jobs taken back
     */
    List<String> reclaimUnclaimed(String nodeId, Map<String, Long> claimed, Instant grantedBy);

    // ---- results

    /**
     * Accepts a node's result for a job for verification, exactly once: only when the job is held by {@code nodeId}
     * under the live lease {@code epoch}. In one transaction the result is stored with the verdict
     * {@link VerdictOutcome#PENDING} (it is then in the durable verification queue, due at once), the lease ends and
     * the job becomes {@link JobState#VERIFYING}; {@link #decideVerdict} makes it final.
     *
     * @param receiptDigest SHA-256 hex of the receipt's signature bytes (replay checks find it), or null when unsigned
     */
    ResultAcceptance acceptResult(String jobId, String nodeId, long epoch, String status, long exitCode,
            String resultJson, String receiptDigest);

    /** {@link #acceptResult(String, String, long, String, long, String, String)} of a result without a receipt. */
    default ResultAcceptance acceptResult(String jobId, String nodeId, long epoch, String status, long exitCode,
            String resultJson) {
        return acceptResult(jobId, nodeId, epoch, status, exitCode, resultJson, null);
    }

    /** The accepted result of a job. */
    Optional<ResultRecord> result(String jobId);

    /** The grant of {@code jobId} at {@code epoch}, live or ended. */
    Optional<Lease> lease(String jobId, long epoch);

    // ---- verdicts: the oracle's durable queue

    /** Results waiting for a verdict whose next attempt is due by {@code dueBy}, oldest first. */
    List<ResultRecord> pendingVerifications(Instant dueBy);

    /** The verdict on a job's result ({@link VerdictOutcome#PENDING} while queued); empty when it has no result. */
    Optional<VerdictRecord> verdict(String jobId);

    /**
     * Writes the verdict on a pending result and, in the same transaction, moves its {@link JobState#VERIFYING} job
     * to {@code jobState} with {@code reason}. The verdict is then unannounced until {@link #markAnnounced}.
     *
     * @param verdict the verdict (its outcome must not be pending); its job, epoch, checks and failed check are
     *     written, its node and attempts are ignored
     * @return false when that result is not pending (decided before, or absent): nothing changed. So each result
     *     is decided exactly once, however many verifiers race.
     */
    boolean decideVerdict(VerdictRecord verdict, JobState jobState, String reason);

    /**
     * Records a verification attempt that could not decide (an error, not a failed check) and when to try again.
     *
     * @return false when the result is not pending
     */
    boolean deferVerification(String jobId, String error, Instant nextAttemptAt);

    /** Results whose receipt signature has this digest, oldest first: a second one is a replay. */
    List<ResultRecord> resultsWithReceiptDigest(String receiptDigest);

    /** Decided verdicts not yet confirmed as announced to the verdict listeners, oldest first. */
    List<VerdictRecord> unannouncedVerdicts();

    /**
     * Confirms that the listeners have a job's verdict, so it is not announced again after a restart.
     *
     * @return false when the job has no decided verdict
     */
    boolean markAnnounced(String jobId);

    /**
     * Flags a result of a redundant job as disagreeing with the majority, saying why.
     *
     * @return false when the job has no result
     */
    boolean flagResult(String jobId, String why);

    /**
     * Cancels a job that has not ended (queued, unplaceable, leased or running); its live lease, if any, ends.
     */
    Cancellation cancelJob(String jobId);

    /**
     * Prunes up to {@code limit} finished jobs final since before {@code cutoff} (retention): each keeps a tombstone
     * (id, state, reason, times, node; its spec replaced by a stub) so its ledger holds and transfers stay valid,
     * while its result (logs, receipt, verdict) and leases go. A job whose hold is not settled, whose verdict is not
     * announced, or that is a copy of a k-of-n job not yet final is kept until it is.
     *
     * @return the ids pruned, oldest first
     */
    List<String> pruneFinishedJobs(Instant cutoff, int limit);

    /** When the job was pruned ({@link #pruneFinishedJobs}); empty when it is whole or does not exist. */
    Optional<Instant> prunedAt(String jobId);

    // ---- ledger

    /** The ledger in this store: accounts, transfers, holds, the payment outbox. */
    LedgerBook ledger();

    /** Clients, API keys and the audit trail. */
    Tenants tenants();

    /** The clients' {@code Idempotency-Key}s and the answers to replay. */
    IdempotencyKeys idempotencyKeys();

    /** Webhook endpoints and the outbox of their deliveries. */
    Webhooks webhooks();

    /** Who may use which uploaded blob, and which jobs name which. */
    Blobs blobs();

    /** Closes the database. Idempotent. */
    @Override
    void close();
}
