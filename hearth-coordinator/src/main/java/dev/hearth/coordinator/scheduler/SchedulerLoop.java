// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.Heartbeats;
import dev.hearth.coordinator.hub.LeaseClaims;
import dev.hearth.coordinator.hub.NodeSession;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.LeaseGrant;
import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.log.LogFields;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.JobCancel;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's one scheduling thread: on every wake-up (a submit, a registration, a heartbeat, a result) and
 * every tick, it first marks nodes lost whose heartbeats stopped for longer than the TTL (their leases go back to
 * the queue), then places queued jobs on connected nodes with {@link Placement} and sends each its offer under a
 * fresh lease. One thread makes every placement, so two passes never race for the same capacity. Thread-safe to
 * {@link #wake()} from anywhere.
 */
public final class SchedulerLoop implements AutoCloseable, LeaseClaims {

    private static final Logger log = LoggerFactory.getLogger(SchedulerLoop.class);
    /** The {@code job_cancel} reason of a lease revoked at its deadline. */
    public static final String LEASE_EXPIRED = "lease_expired";

    private final Store store;
    private final AgentHub hub;
    private final InstantSource clock;
    private final Duration lostAfter;
    private final Duration tick;
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread thread;
    private final Instant startedAt;
    private final LedgerHooks ledger;
    private volatile java.util.function.Consumer<List<String>> onLeased = ids -> { };
    private final ConcurrentLinkedQueue<Claim> claims = new ConcurrentLinkedQueue<>();
    /** Nodes with a claim not yet reclaimed (how many): placement passes them over until a pass took it. */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> claiming =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final LeasePolicy leases;
    private Instant lastHousekeeping = Instant.MIN;
    private volatile boolean running = true;
    private volatile PlacementTimings timings = PlacementTimings.NONE;
    private volatile Heartbeats heartbeats;
    private final JobIndex index;
    private boolean indexed;
    private Instant lastFlush = Instant.MIN;
    /** The least time between two passes (more after a pass that took longer). */
    static final Duration PASS_SPACING = Duration.ofMillis(10);
    /** How often a pass writes the buffered heartbeats; a node is never lost for one still buffered. */
    static final Duration FLUSH_EVERY = Duration.ofMillis(500);

    /** A loop without a ledger; see {@link #SchedulerLoop(Store, AgentHub, InstantSource, Duration, Duration, LedgerHooks)}. */
    public SchedulerLoop(Store store, AgentHub hub, InstantSource clock, Duration lostAfter, Duration tick) {
        this(store, hub, clock, lostAfter, tick, LedgerHooks.NONE);
    }

    /** The loop, on a platform thread of its own once {@link #start()}ed; {@code ledger} ranks nodes and settles. */
    public SchedulerLoop(Store store, AgentHub hub, InstantSource clock, Duration lostAfter, Duration tick,
            LedgerHooks ledger) {
        this(store, hub, clock, lostAfter, tick, ledger, LeasePolicy.DEFAULTS);
    }

    /**
     * The loop, on a platform thread of its own once {@link #start()}ed; {@code ledger} ranks nodes and settles,
     * {@code leases} sets lease deadlines, clamps declared capacity and cordons nodes whose leases expire.
     */
    public SchedulerLoop(Store store, AgentHub hub, InstantSource clock, Duration lostAfter, Duration tick,
            LedgerHooks ledger, LeasePolicy leases) {
        this.leases = leases;
        this.ledger = ledger;
        this.store = store;
        this.hub = hub;
        this.clock = clock;
        this.lostAfter = lostAfter;
        this.tick = tick;
        this.startedAt = clock.instant();
        this.thread = Thread.ofPlatform().name("hearth-scheduler").daemon().unstarted(this::run);
        this.heartbeats = new Heartbeats(store);
        this.index = new JobIndex(store);
        store.watchJobs(index);
    }

    /** Starts the loop. */
    public SchedulerLoop start() {
        thread.start();
        return this;
    }

    /** Where placement times are reported; set before {@link #start}. */
    public void attach(PlacementTimings value) {
        timings = java.util.Objects.requireNonNull(value, "timings");
    }

    /** The buffer the connections record heartbeats in, flushed by each pass; set before {@link #start}. */
    public void attach(Heartbeats value) {
        heartbeats = Objects.requireNonNull(value, "heartbeats");
    }

    /** Asks for a pass soon; cheap and never blocks. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    private void run() {
        while (running) {
            try {
                wakeups.tryAcquire(tick.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
                long began = System.nanoTime();
                pass();
                // wake-ups that come in meanwhile (a submit each) are served by one pass after the spacing, so a
                // burst of submits costs a pass per few milliseconds, not a pass (and a walk of every node) per job;
                // a pass that took longer than the spacing is followed by as long a pause, so passes over many nodes
                // take at most about half of the scheduler's thread
                Thread.sleep(Math.max(PASS_SPACING.toMillis(), (System.nanoTime() - began) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("scheduler pass failed; retrying at the next tick", e);
            }
        }
    }

    /**
     * Queues a registering node's claims for the next pass, which takes back its leases it no longer holds before it
     * places anything: the node's new connection is visible to placement only after this call.
     */
    @Override
    public void claimed(String nodeId, Map<String, Long> held, Instant grantedBy) {
        // before the claim is queued and before the registration greets the node: a pass that already took this
        // pass's claims and now places must not lease to the node (its next pass would take the lease back as one
        // granted by the registration and not claimed)
        claiming.merge(nodeId, 1, Integer::sum);
        claims.add(new Claim(nodeId, Map.copyOf(held), grantedBy));
        wake();
    }

    /** One pass: claims of nodes that registered again, lost nodes, then placement. Package-private for tests. */
    void pass() {
        if (!indexed) {
            index.rebuild();
            indexed = true;
        }
        index.sync();
        tellTaken();
        reclaim();
        markLost();
        expireLeases();
        index.sync(); // what the steps above changed (requeued, revoked) is placed in this same pass
        tellTaken();
        place();
        Instant now = clock.instant();
        if (!now.isBefore(lastHousekeeping.plus(tick.multipliedBy(5)))) {
            lastHousekeeping = now;
            ledger.housekeeping().run();
        }
    }

    /**
     * Tells the nodes connected here of the leases another coordinator on the database took from them (a cancel
     * through its API, its liveness decision): that coordinator cannot reach them.
     */
    private void tellTaken() {
        for (JobIndex.Taken t : index.takenElsewhere()) {
            hub.session(t.nodeId()).ifPresent(s -> {
                try (var fields = LogFields.job(t.jobId(), t.nodeId(), t.epoch(), null)) {
                    log.info("job {} (epoch {}) on node {} was {} by another coordinator; telling the node",
                            t.jobId(), t.epoch(), t.nodeId(), t.cancelled() ? "cancelled" : "taken back");
                }
                s.send(new JobCancel(t.jobId(), t.epoch(), t.cancelled() ? "cancelled"
                        : ErrorCode.STALE_LEASE.wireName()));
            });
        }
    }

    private void reclaim() {
        for (Claim c = claims.poll(); c != null; c = claims.poll()) {
            List<String> taken;
            try {
                taken = store.reclaimUnclaimed(c.nodeId(), c.held(), c.grantedBy());
            } catch (RuntimeException e) {
                claims.add(c); // the store failed: the claim waits for the next pass, and the node stays unplaced
                throw e;
            }
            claiming.computeIfPresent(c.nodeId(), (n, k) -> k > 1 ? k - 1 : null);
            if (!taken.isEmpty()) {
                taken.forEach(ledger.jobEnded()); // a run the node lost may have used the job's last attempt
                try (var fields = LogFields.scope().with(LogFields.NODE, c.nodeId())) {
                    log.warn("node {} registered again without {} of the jobs leased to it; taken back: {}",
                            c.nodeId(), taken.size(), taken);
                }
            }
        }
    }

    private void markLost() {
        Instant now = clock.instant();
        if (!now.isBefore(lastFlush.plus(FLUSH_EVERY))) {
            heartbeats.flush(); // one transaction for all heartbeats answered since the last flush
            lastFlush = now;
        }
        if (!store.decidesLiveness()) {
            return; // another coordinator on the database decides which nodes are lost
        }
        Instant cutoff = now.minus(lostAfter);
        if (cutoff.isBefore(startedAt)) {
            // A coordinator that was down heard no heartbeats: its nodes get a full TTL from its start to return.
            return;
        }
        for (NodeRecord node : store.nodesSilentSince(cutoff)) {
            if (heartbeats.pendingSince(node.id()).filter(at -> !at.isBefore(cutoff)).isPresent()) {
                continue; // it heartbeated while this pass ran
            }
            String reason = "node " + node.id() + " (" + node.hostname() + ") lost: no heartbeat since "
                    + node.lastHeartbeat() + " (TTL " + lostAfter.toSeconds() + "s)";
            store.setNodeState(node.id(), NodeState.LOST);
            List<String> revoked = store.revokeLeasesOf(node.id(), reason);
            hub.drop(node.id(), "lost: no heartbeat within " + lostAfter.toSeconds() + "s");
            revoked.forEach(ledger.jobEnded()); // those out of attempts failed for good: their holds are settled
            try (var fields = LogFields.scope().with(LogFields.NODE, node.id())) {
                log.warn("{}; {} jobs taken back: {}", reason, revoked.size(), revoked);
            }
        }
    }

    /**
     * Revokes leases past their deadline (the node took the job and never answered): the node is told to drop the
     * job, the job goes back to the queue with the attempt counted (or fails, out of attempts, and is settled), and a
     * node with too many expiries is cordoned.
     */
    private void expireLeases() {
        if (!store.decidesLiveness()) {
            return; // another coordinator on the database decides which leases expired
        }
        for (Lease lease : store.expiredLeases(clock.instant())) {
            try (var fields = LogFields.job(lease.jobId(), lease.nodeId(), lease.epoch(), null)) {
                expire(lease);
            }
        }
    }

    private void expire(Lease lease) {
        String reason = "lease of job " + lease.jobId() + " (epoch " + lease.epoch() + ") on node " + lease.nodeId()
                + " expired at " + lease.deadline() + " with no result (the job's timeout plus "
                + leases.grace().toSeconds() + "s grace)";
        if (!store.expireLease(lease.jobId(), lease.epoch(), reason)) {
            return; // a result, a cancel or a loss came first
        }
        hub.session(lease.nodeId()).ifPresent(s -> s.send(new JobCancel(lease.jobId(), lease.epoch(),
                LEASE_EXPIRED)));
        ledger.jobEnded().accept(lease.jobId()); // out of attempts: failed, its hold settled
        log.warn("{}; taken back", reason);
        int expiries = store.leaseExpiries(lease.nodeId());
        if (expiries >= leases.cordonAfterExpiries() && !store.cordoned().containsKey(lease.nodeId())) {
            String why = expiries + " leases expired with no result (limit " + leases.cordonAfterExpiries()
                    + "); the last: job " + lease.jobId() + " at " + lease.deadline();
            store.cordonNode(lease.nodeId(), why);
            log.warn("node {} cordoned: {}", lease.nodeId(), why);
        }
    }

    private void place() {
        if (index.queued().isEmpty()) {
            return;
        }
        long began = System.nanoTime();
        try {
            placeQueued();
        } finally {
            timings.placement(Duration.ofNanos(System.nanoTime() - began));
        }
    }

    /**
     * Places the index's queue on the connected nodes and grants the pass's leases in one transaction: all of them, or
     * on a failure none, and then the index is left as it was (the jobs are read again at the next pass).
     */
    private void placeQueued() {
        List<JobNeeds> needs = new ArrayList<>();
        Map<String, Set<String>> copyNodes = new HashMap<>();
        for (JobIndex.Queued q : index.queued()) {
            JobNeeds n = q.needs();
            if (q.job().isCopy()) {
                Set<String> avoid = copyNodes.computeIfAbsent(q.job().parentId(),
                        p -> Set.copyOf(store.nodesOfCopies(p)));
                n = n.avoiding(avoid);
            }
            needs.add(n);
        }
        List<LeaseGrant> grants = new ArrayList<>();
        List<NodeSession> to = new ArrayList<>();
        Map<String, String> reasons = new HashMap<>();
        Instant now = clock.instant();
        for (Placement.Decision d : Placement.place(needs, nodeViews())) {
            JobIndex.Queued q = index.queuedJob(d.jobId()).orElseThrow();
            if (d.nodeId().isEmpty()) {
                if (!Objects.equals(q.job().reason(), d.reason())) {
                    reasons.put(d.jobId(), d.reason());
                }
                continue;
            }
            Optional<NodeSession> session = hub.session(d.nodeId().get());
            if (session.isEmpty()) {
                continue;
            }
            grants.add(new LeaseGrant(d.jobId(), d.nodeId().get(), d.gpuIndexes(),
                    now.plusSeconds(q.spec().spec().timeoutSeconds()).plus(leases.grace())));
            to.add(session.get());
        }
        // why the others wait: one transaction for the pass (a pass over 10,000 queued jobs changes many at once)
        store.setReasons(reasons);
        reasons.forEach(index::reasonSet);
        List<Lease> granted;
        try {
            granted = store.grantLeases(grants);
        } catch (RuntimeException e) {
            // nothing of the pass was granted: the index stays as it was, and its jobs are read again
            grants.forEach(g -> index.changed(g.jobId()));
            throw e;
        }
        // before the offers: a node's job_started (running) must not overtake the job's leased event
        if (!granted.isEmpty()) {
            onLeased.accept(granted.stream().map(Lease::jobId).toList()); // one write for the pass's events
        }
        Map<String, NodeSession> sessions = new HashMap<>();
        for (int i = 0; i < grants.size(); i++) {
            sessions.put(grants.get(i).jobId(), to.get(i));
        }
        for (Lease lease : granted) {
            JobIndex.Queued q = index.queuedJob(lease.jobId()).orElseThrow();
            index.granted(lease);
            offer(q, lease, sessions.remove(lease.jobId()));
        }
        sessions.keySet().forEach(index::changed); // passed over, no longer queued: read them again
    }

    /**
     * Tells {@code listener} the ids of the jobs each pass leases from now on (their {@code job.leased} events), once
     * per pass, before their offers are sent.
     */
    public void onLeased(java.util.function.Consumer<List<String>> listener) {
        onLeased = java.util.Objects.requireNonNull(listener, "listener");
    }

    private void offer(JobIndex.Queued q, Lease lease, NodeSession session) {
        JobRecord job = q.job();
        boolean sent = session.send(q.spec().offer(job.id(), lease.epoch(), lease.gpuIndexes()));
        if (sent && job.attempts() == 0) {
            timings.submitToOffer(Duration.between(job.submittedAt(), clock.instant()));
        }
        try (var fields = LogFields.job(job.id(), lease.nodeId(), lease.epoch(), q.spec().traceId())) {
            log.info("job {} leased to node {} (epoch {}, attempt {}){}", job.id(), lease.nodeId(), lease.epoch(),
                    job.attempts() + 1, sent ? "" : "; the offer could not be sent, the lease stands until the "
                            + "node reconnects or is lost");
        }
    }

    private List<NodeView> nodeViews() {
        List<NodeView> views = new ArrayList<>();
        Map<String, Double> preferences = ledger.preferences().get();
        Set<String> cordoned = store.cordoned().keySet();
        Map<String, NodeLimits> stored = store.nodeLimits();
        for (NodeSession s : hub.sessions()) {
            if (!s.isGreeted() || claiming.containsKey(s.nodeId())) {
                continue; // registering: its registered is not queued yet, or its claims are not taken yet
            }
            Capacity c = s.capacity();
            JobIndex.Load u = index.load(s.nodeId());
            List<NodeView.Gpu> gpus = s.gpus().isEmpty() ? List.of()
                    : s.gpus().stream().map(g -> new NodeView.Gpu(g.index(), g.vramTotalMib())).toList();
            // declared capacity is a claim: clamped to the admin's limits; a cordoned node takes nothing new
            views.add(new NodeView(s.nodeId(),
                    !s.draining() && !cordoned.contains(s.nodeId()), c.slots(), (long) (c.cpus() * 1e9),
                    c.memoryBytes(), gpus, u.slots(), u.nanoCpus(), u.memoryBytes(), u.gpus(),
                    preferences.getOrDefault(s.nodeId(), 0.0), s.runtimes())
                    .clampedTo(leases.limitsOf(s.nodeId(), stored)));
        }
        return views;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    private record Claim(String nodeId, Map<String, Long> held, Instant grantedBy) {
    }
}
