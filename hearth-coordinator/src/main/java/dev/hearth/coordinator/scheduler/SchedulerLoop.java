package dev.hearth.coordinator.scheduler;

import dev.hearth.coordinator.StoredSpec;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.LeaseClaims;
import dev.hearth.coordinator.hub.NodeSession;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.log.LogFields;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
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
    private final ConcurrentLinkedQueue<Claim> claims = new ConcurrentLinkedQueue<>();
    private final LeasePolicy leases;
    private Instant lastHousekeeping = Instant.MIN;
    private volatile boolean running = true;
    private volatile PlacementTimings timings = PlacementTimings.NONE;

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
                pass();
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
        claims.add(new Claim(nodeId, Map.copyOf(held), grantedBy));
        wake();
    }

    /** One pass: claims of nodes that registered again, lost nodes, then placement. Package-private for tests. */
    void pass() {
        reclaim();
        markLost();
        expireLeases();
        place();
        Instant now = clock.instant();
        if (!now.isBefore(lastHousekeeping.plus(tick.multipliedBy(5)))) {
            lastHousekeeping = now;
            ledger.housekeeping().run();
        }
    }

    private void reclaim() {
        for (Claim c = claims.poll(); c != null; c = claims.poll()) {
            List<String> taken = store.reclaimUnclaimed(c.nodeId(), c.held(), c.grantedBy());
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
        Instant cutoff = clock.instant().minus(lostAfter);
        if (cutoff.isBefore(startedAt)) {
            // A coordinator that was down heard no heartbeats: its nodes get a full TTL from its start to return.
            return;
        }
        for (NodeRecord node : store.nodesSilentSince(cutoff)) {
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
        List<JobRecord> queued = store.queuedJobs();
        if (queued.isEmpty()) {
            return;
        }
        long began = System.nanoTime();
        try {
            place(queued);
        } finally {
            timings.placement(Duration.ofNanos(System.nanoTime() - began));
        }
    }

    private void place(List<JobRecord> queued) {
        Map<String, StoredSpec> specs = new HashMap<>();
        List<JobNeeds> needs = new ArrayList<>();
        for (JobRecord j : queued) {
            StoredSpec s = StoredSpec.parse(j.specJson());
            specs.put(j.id(), s);
            needs.add(new JobNeeds(j.id(), j.priority(), j.submittedAt(),
                    CpuQuota.parse("cpus", s.spec().cpus()).nanoCpus(),
                    ByteSize.parse("memory", s.spec().memory()).bytes(), s.gpuCount(), s.minVramMib(),
                    j.parentId(), j.isCopy() ? Set.copyOf(store.nodesOfCopies(j.parentId())) : Set.of()));
        }
        Map<String, JobRecord> byId = new HashMap<>();
        queued.forEach(j -> byId.put(j.id(), j));
        List<NodeView> nodes = nodeViews();
        for (Placement.Decision d : Placement.place(needs, nodes)) {
            JobRecord job = byId.get(d.jobId());
            if (d.nodeId().isEmpty()) {
                if (!Objects.equals(job.reason(), d.reason())) {
                    store.setReason(job.id(), d.reason());
                }
                continue;
            }
            Optional<NodeSession> session = hub.session(d.nodeId().get());
            if (session.isEmpty()) {
                continue;
            }
            Instant deadline = clock.instant().plusSeconds(specs.get(job.id()).spec().timeoutSeconds())
                    .plus(leases.grace());
            Lease lease = store.grantLease(job.id(), d.nodeId().get(), d.gpuIndexes(), deadline);
            StoredSpec stored = specs.get(job.id());
            boolean sent = session.get().send(stored.offer(job.id(), lease.epoch(), d.gpuIndexes()));
            if (sent && job.attempts() == 0) {
                timings.submitToOffer(Duration.between(job.submittedAt(), clock.instant()));
            }
            try (var fields = LogFields.job(job.id(), lease.nodeId(), lease.epoch(), stored.traceId())) {
                log.info("job {} leased to node {} (epoch {}, attempt {}){}", job.id(), lease.nodeId(), lease.epoch(),
                        job.attempts() + 1, sent ? "" : "; the offer could not be sent, the lease stands until the "
                                + "node reconnects or is lost");
            }
        }
    }

    private List<NodeView> nodeViews() {
        Map<String, long[]> used = new HashMap<>();
        Map<String, List<Integer>> usedGpus = store.gpusInUse();
        List<JobRecord> live = new ArrayList<>(store.jobs(Optional.of(JobState.LEASED)));
        live.addAll(store.jobs(Optional.of(JobState.RUNNING)));
        for (JobRecord j : live) {
            if (j.nodeId() == null) {
                continue;
            }
            StoredSpec s = StoredSpec.parse(j.specJson());
            long[] u = used.computeIfAbsent(j.nodeId(), k -> new long[3]);
            u[0]++;
            u[1] += CpuQuota.parse("cpus", s.spec().cpus()).nanoCpus();
            u[2] += ByteSize.parse("memory", s.spec().memory()).bytes();
        }
        List<NodeView> views = new ArrayList<>();
        Map<String, Double> preferences = ledger.preferences().get();
        Set<String> cordoned = store.cordoned().keySet();
        Map<String, NodeLimits> stored = store.nodeLimits();
        for (NodeSession s : hub.sessions()) {
            Capacity c = s.capacity();
            long[] u = used.getOrDefault(s.nodeId(), new long[3]);
            List<NodeView.Gpu> gpus = s.gpus().stream().map(g -> new NodeView.Gpu(g.index(), g.vramTotalMib()))
                    .toList();
            // declared capacity is a claim: clamped to the admin's limits; a cordoned node takes nothing new
            views.add(new NodeView(s.nodeId(),
                    !s.draining() && !cordoned.contains(s.nodeId()), c.slots(), (long) (c.cpus() * 1e9),
                    c.memoryBytes(), gpus, (int) u[0], u[1], u[2], usedGpus.getOrDefault(s.nodeId(), List.of()),
                    preferences.getOrDefault(s.nodeId(), 0.0)).clampedTo(leases.limitsOf(s.nodeId(), stored)));
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
