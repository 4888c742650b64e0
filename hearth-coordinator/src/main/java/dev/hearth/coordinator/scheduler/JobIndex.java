// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import dev.hearth.coordinator.store.StoredSpec;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.JobWatch;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's memory of the store between passes: the queued jobs, each with its spec parsed once, and the load
 * live leases put on each node. The store stays the truth: the index is {@link #rebuild() rebuilt} from it at start,
 * learns from the store's {@link JobWatch} which jobs other threads changed and reads
 * those again at the next {@link #sync()}, and is told of the leases the scheduler grants itself ({@link #granted}).
 *
 * <p>Thread-safety: {@link #changed} may be called from any thread (it only queues the id); everything else is
 * confined to the scheduler's thread.
 *
 * <p>Memory: one entry per queued or live job of the store (the job's row and its parsed spec while queued; a few
 * numbers while leased), no more than the store holds; ids reported changed are kept once each until the next sync.
 */
final class JobIndex implements JobWatch {

    private static final Logger log = LoggerFactory.getLogger(JobIndex.class);

    /**
     * A queued job as placement needs it.
     *
     * @param job the job's row as last read
     * @param spec its parsed spec (the offer is made from it)
     * @param needs what it asks of a node (without the nodes to avoid, which the pass adds for copies)
     */
    record Queued(JobRecord job, StoredSpec spec, JobNeeds needs) {
    }

    /**
     * What one live lease takes from its node.
     *
     * @param nodeId the holder
     * @param epoch the lease's epoch
     * @param nanoCpus CPUs it asked for, in billionths
     * @param memoryBytes memory it asked for
     * @param gpus the node's GPU indexes it holds
     */
    record Held(String nodeId, long epoch, long nanoCpus, long memoryBytes, List<Integer> gpus) {
    }

    /**
     * The sum of a node's live leases.
     *
     * @param slots leases
     * @param nanoCpus CPUs, in billionths
     * @param memoryBytes memory
     * @param gpus GPU indexes held
     */
    record Load(int slots, long nanoCpus, long memoryBytes, List<Integer> gpus) {
        static final Load NONE = new Load(0, 0, 0, List.of());
    }

    private final Store store;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** Of {@link #dirty}, the ids another coordinator changed. */
    private final Set<String> elsewhere = ConcurrentHashMap.newKeySet();
    /** Leases of nodes another coordinator's change took away, since the last {@link #takenElsewhere()}. */
    private final List<Taken> taken = new ArrayList<>();
    /** Set when the store says changes may have been missed: the next sync reads everything again. */
    private volatile boolean stale;
    private final Map<String, Queued> queued = new HashMap<>();
    private final Map<String, Held> held = new HashMap<>();
    private final Map<String, Load> loads = new HashMap<>();

    JobIndex(Store store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Reported by the store's watch: the job will be read again at the next {@link #sync()}. Thread-safe. */
    @Override
    public void changed(String jobId) {
        dirty.add(jobId);
    }

    /**
     * A live lease another coordinator took from a node (a cancel, a revocation, an expiry), which the node hears of
     * from the coordinator it is connected to.
     *
     * @param jobId the job
     * @param nodeId the node that held it
     * @param epoch the lease's epoch
     * @param cancelled whether the job was cancelled (else the lease was taken back)
     */
    record Taken(String jobId, String nodeId, long epoch, boolean cancelled) {
    }

    /** Reported by the store's watch for another coordinator's change: read again, and a lost lease noted. */
    @Override
    public void changedElsewhere(String jobId) {
        elsewhere.add(jobId);
        dirty.add(jobId);
    }

    /** The leases other coordinators took away since the last call, which this one may have to tell the nodes of. */
    List<Taken> takenElsewhere() {
        List<Taken> t = List.copyOf(taken);
        taken.clear();
        return t;
    }

    /** Reported by the store's watch: the next {@link #sync()} rebuilds the whole index. Thread-safe. */
    @Override
    public void missed() {
        stale = true;
    }

    /** Forgets everything and reads the queue and the live leases from the store. */
    void rebuild() {
        queued.clear();
        held.clear();
        loads.clear();
        for (JobRecord j : store.queuedJobs()) {
            apply(j);
        }
        List<JobRecord> live = new ArrayList<>(store.jobs(Optional.of(JobState.LEASED)));
        live.addAll(store.jobs(Optional.of(JobState.RUNNING)));
        live.forEach(this::apply);
        log.info("scheduler index rebuilt from the store: {} queued jobs, {} live leases on {} nodes",
                queued.size(), held.size(), loads.size());
    }

    /** Reads again every job reported changed since the last sync, and brings the index in step with them. */
    void sync() {
        if (stale) {
            stale = false;
            dirty.clear(); // what is reported from here on is read at the next sync; the rebuild reads the rest
            elsewhere.clear();
            rebuild();
            return;
        }
        if (dirty.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(dirty);
        ids.forEach(dirty::remove); // an id reported again from here on is read at the next sync
        resync(ids);
    }

    /** Reads these jobs again and puts each where its row says (gone, queued, leased or neither). */
    void resync(Collection<String> ids) {
        Map<String, JobRecord> rows = new HashMap<>();
        for (JobRecord j : store.jobs(ids)) {
            rows.put(j.id(), j);
        }
        for (String id : ids) {
            JobRecord row = rows.get(id);
            Held before = elsewhere.remove(id) ? held.get(id) : null;
            if (row == null) {
                forget(id);
            } else {
                apply(row);
            }
            Held after = held.get(id);
            if (before != null && (after == null || after.epoch() != before.epoch()
                    || !after.nodeId().equals(before.nodeId()))) {
                taken.add(new Taken(id, before.nodeId(), before.epoch(),
                        row != null && row.state() == JobState.CANCELLED));
            }
        }
    }

    /** The queued jobs, in no particular order. */
    Collection<Queued> queued() {
        return queued.values();
    }

    /** The load of live leases on a node. */
    Load load(String nodeId) {
        return loads.getOrDefault(nodeId, Load.NONE);
    }

    /** The queued job with this id, if the index has it. */
    Optional<Queued> queuedJob(String jobId) {
        return Optional.ofNullable(queued.get(jobId));
    }

    /** Records the reason the store now shows for a queued job. */
    void reasonSet(String jobId, String reason) {
        Queued q = queued.get(jobId);
        if (q != null) {
            JobRecord j = q.job();
            queued.put(jobId, new Queued(j.withReason(reason), q.spec(), q.needs()));
        }
    }

    /** Records a lease the scheduler granted: its job leaves the queue and its needs load the node. */
    void granted(Lease lease) {
        Queued q = queued.remove(lease.jobId());
        if (q == null) {
            dirty.add(lease.jobId()); // not known as queued: read it at the next sync
            return;
        }
        hold(lease.jobId(), new Held(lease.nodeId(), lease.epoch(), q.needs().nanoCpus(), q.needs().memoryBytes(),
                lease.gpuIndexes()));
    }

    /** How many jobs are queued and leased in the index; for tests and logs. */
    int[] sizes() {
        return new int[] {queued.size(), held.size()};
    }

    private void apply(JobRecord row) {
        String id = row.id();
        switch (row.state()) {
            case QUEUED -> {
                release(id);
                Queued known = queued.get(id);
                if (known != null) {
                    queued.put(id, new Queued(row, known.spec(), known.needs())); // a job's spec never changes
                } else {
                    parse(row).ifPresentOrElse(q -> queued.put(id, q), () -> queued.remove(id));
                }
            }
            case LEASED, RUNNING -> {
                queued.remove(id);
                Held known = held.get(id);
                if (row.nodeId() == null || known != null && known.epoch() == row.epoch()
                        && known.nodeId().equals(row.nodeId())) {
                    return;
                }
                release(id);
                Optional<StoredSpec> spec = spec(row);
                List<Integer> gpus = store.lease(id, row.epoch()).map(Lease::gpuIndexes).orElse(List.of());
                hold(id, new Held(row.nodeId(), row.epoch(), spec.map(JobIndex::nanoCpus).orElse(0L),
                        spec.map(JobIndex::memoryBytes).orElse(0L), gpus));
            }
            default -> forget(id);
        }
    }

    private void forget(String id) {
        queued.remove(id);
        release(id);
    }

    private void hold(String id, Held h) {
        held.put(id, h);
        Load l = load(h.nodeId());
        List<Integer> gpus = new ArrayList<>(l.gpus());
        gpus.addAll(h.gpus());
        loads.put(h.nodeId(), new Load(l.slots() + 1, l.nanoCpus() + h.nanoCpus(), l.memoryBytes() + h.memoryBytes(),
                List.copyOf(gpus)));
    }

    private void release(String id) {
        Held h = held.remove(id);
        if (h == null) {
            return;
        }
        Load l = load(h.nodeId());
        if (l.slots() <= 1) {
            loads.remove(h.nodeId());
            return;
        }
        List<Integer> gpus = new ArrayList<>(l.gpus());
        h.gpus().forEach(g -> gpus.remove(g));
        loads.put(h.nodeId(), new Load(l.slots() - 1, l.nanoCpus() - h.nanoCpus(), l.memoryBytes() - h.memoryBytes(),
                List.copyOf(gpus)));
    }

    private static Optional<Queued> parse(JobRecord j) {
        return spec(j).map(s -> new Queued(j, s, new JobNeeds(j.id(), j.priority(), j.submittedAt(), nanoCpus(s),
                memoryBytes(s), s.gpuCount(), s.minVramMib(), j.parentId(), Set.of(), s.runtimeOrDefault())));
    }

    private static Optional<StoredSpec> spec(JobRecord j) {
        try {
            StoredSpec s = j.spec();
            nanoCpus(s);
            memoryBytes(s);
            return Optional.of(s);
        } catch (RuntimeException e) {
            log.warn("job {} has a stored spec the scheduler cannot read ({}); it is left out of placement", j.id(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static long nanoCpus(StoredSpec s) {
        return CpuQuota.parse("cpus", s.spec().cpus()).nanoCpus();
    }

    private static long memoryBytes(StoredSpec s) {
        return ByteSize.parse("memory", s.spec().memory()).bytes();
    }

    /** The ids of the jobs the index holds as queued; for tests. */
    Set<String> queuedIds() {
        return new HashSet<>(queued.keySet());
    }
}
