// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.pool;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.PoolCounts;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WorkloadKind;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping every driver's warm pools share, whatever a pooled sandbox is (a Docker container, a microVM):
 * per key, a queue of started, never-used sandboxes, oldest first; the keys asked for within the idle limit; one
 * refill thread that tops every wanted key up to the pool size and drops ready sandboxes and keys idle past the
 * limit; and a bounded background remover ({@value #REMOVERS} threads, inline once {@value #REMOVAL_QUEUE} removals
 * wait). A sandbox taken is never put back: its driver hands it to {@link #remove} after its job. Thread-safe.
 *
 * @param <K> the pool key: what shapes a pooled sandbox (image, limits, user, ...)
 * @param <S> a ready sandbox, with whatever its driver needs to check that it is still alive
 */
public final class WarmPools<K, S> implements AutoCloseable {

    /** How a driver makes, checks and removes its pooled sandboxes. Called from the pool's threads. */
    public interface Maker<K, S> {

        /**
         * One started, never-used sandbox of {@code key}, or empty when none can be made now (the maker logs why;
         * it is tried again at the next refill). When interrupted it removes what it made and rethrows.
         */
        Optional<S> make(K key) throws InterruptedException;

        /** Whether a ready sandbox can still take a job (its holder process, its VM, still runs). */
        boolean alive(S ready);

        /** Removes a sandbox for good (a used one, a stale one, one found dead); must not throw. */
        void remove(S sandbox);

        /** Whether {@code key} is never to be pooled (found out while making one); its jobs are made cold. */
        default boolean refuses(K key) {
            return false;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(WarmPools.class);
    /** Background removal threads. */
    public static final int REMOVERS = 2;
    /** Removals that may wait for a thread before one runs inline, on the caller's. */
    public static final int REMOVAL_QUEUE = 64;

    private record Ready<S>(S sandbox, Instant made) {
    }

    private final String what;
    private final PoolSettings settings;
    private final InstantSource clock;
    private final Maker<K, S> maker;
    private final Map<K, Deque<Ready<S>>> ready = new ConcurrentHashMap<>();
    /** Keys asked for, with when they were last asked for. */
    private final Map<K, Instant> wanted = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refill;
    private final ThreadPoolExecutor removals;
    /** Removals handed out and not finished (the executor's own counts miss a task between queue and worker). */
    private final AtomicInteger removing = new AtomicInteger();
    /** Takes that found a ready sandbox, and takes that found none (the job is made cold). */
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param what what a pooled sandbox is, for logs and thread names ("container", "microVM")
     * @param settings pool size and idle limit
     * @param clock the source of "made" and "last asked for" times
     * @param maker the driver's side
     */
    public WarmPools(String what, PoolSettings settings, InstantSource clock, Maker<K, S> maker) {
        this.what = what;
        this.settings = settings;
        this.clock = clock;
        this.maker = maker;
        this.refill = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hearth-pool-refill"));
        this.removals = new ThreadPoolExecutor(REMOVERS, REMOVERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(REMOVAL_QUEUE), r -> daemon(r, "hearth-pool-remove"),
                new ThreadPoolExecutor.CallerRunsPolicy());
        long tick = Math.max(1, Math.min(5, settings.idleLimit().toSeconds() / 2));
        refill.scheduleWithFixedDelay(this::topUp, tick, tick, TimeUnit.SECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Why {@code spec} cannot come from any driver's pool, or empty when it can: only jobs with network none and
     * without published ports, mounts, GPUs or an egress allowlist are pooled (those need per-job state bound at
     * creation: a network, a fence, bindings).
     */
    public static Optional<String> unpoolable(SandboxSpec spec) {
        if (spec.kind() != WorkloadKind.JOB) {
            return Optional.of("only jobs are pooled, not " + spec.kind());
        }
        if (spec.network() != NetworkMode.NONE) {
            return Optional.of("network " + spec.network()
                    + " needs a network of its own per job; only network none is pooled");
        }
        if (!spec.ports().isEmpty() || !spec.mounts().isEmpty() || spec.gpus().any() || !spec.allow().isEmpty()) {
            return Optional.of("published ports, mounts, GPUs and egress allowlists are bound at creation; such jobs "
                    + "are made cold");
        }
        return Optional.empty();
    }

    /** The settings these pools keep. */
    public PoolSettings settings() {
        return settings;
    }

    /** Whether {@code key} is pooled at all: a pool size above 0 and a key the maker did not refuse. */
    public boolean pools(K key) {
        return settings.size() > 0 && !maker.refuses(key);
    }

    /**
     * Marks {@code key} as asked for now and schedules a refill after {@code delayMillis} (a driver delays it
     * after a take so that the refill does not compete with the job's own start). Nothing once closed.
     */
    public void want(K key, long delayMillis) {
        if (settings.size() == 0 || closed) {
            return;
        }
        wanted.put(key, clock.instant());
        try {
            refill.schedule(this::topUp, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: nothing to refill
        }
    }

    /** Ready sandboxes of {@code key} now. */
    public int ready(K key) {
        Deque<Ready<S>> q = ready.get(key);
        return q == null ? 0 : size(q);
    }

    /** Ready sandboxes of all keys. */
    public int readyTotal() {
        return ready.values().stream().mapToInt(this::size).sum();
    }

    private int size(Deque<Ready<S>> q) {
        synchronized (q) {
            return q.size();
        }
    }

    /**
     * The oldest ready sandbox of {@code key} that is still alive (dead ones are removed), or empty; counted as a
     * hit or a miss in {@link #counts()}.
     */
    public Optional<S> take(K key) {
        Optional<S> taken = takeAlive(key);
        (taken.isPresent() ? hits : misses).incrementAndGet();
        return taken;
    }

    private Optional<S> takeAlive(K key) {
        Deque<Ready<S>> q = ready.get(key);
        while (q != null) {
            Ready<S> r;
            synchronized (q) {
                r = q.pollFirst();
            }
            if (r == null) {
                return Optional.empty();
            }
            if (maker.alive(r.sandbox())) {
                return Optional.of(r.sandbox());
            }
            log.warn("warm {} {} stopped while it waited; removing it", what, r.sandbox());
            remove(r.sandbox());
        }
        return Optional.empty();
    }

    /** Takes that found a ready sandbox, takes that found none, and the sandboxes ready now. */
    public PoolCounts counts() {
        return new PoolCounts(hits.get(), misses.get(), readyTotal());
    }

    /** Removes {@code sandbox} in the background (inline when the removal queue is full or the pools closed). */
    public void remove(S sandbox) {
        removing.incrementAndGet();
        Runnable removal = () -> {
            try {
                maker.remove(sandbox);
            } finally {
                removing.decrementAndGet();
            }
        };
        try {
            removals.execute(removal);
        } catch (RejectedExecutionException shutDown) {
            removal.run();
        }
    }

    /** Drops what idled too long, then makes sandboxes until every wanted key has its pool size ready. */
    private void topUp() {
        try {
            Instant now = clock.instant();
            wanted.entrySet().removeIf(e -> !e.getValue().plus(settings.idleLimit()).isAfter(now));
            for (Map.Entry<K, Deque<Ready<S>>> e : ready.entrySet()) {
                List<Ready<S>> stale = new ArrayList<>();
                synchronized (e.getValue()) {
                    e.getValue().removeIf(r -> {
                        boolean old = !wanted.containsKey(e.getKey())
                                || !r.made().plus(settings.idleLimit()).isAfter(now);
                        if (old) {
                            stale.add(r);
                        }
                        return old;
                    });
                }
                stale.forEach(r -> remove(r.sandbox()));
            }
            for (K key : List.copyOf(wanted.keySet())) {
                Deque<Ready<S>> q = ready.computeIfAbsent(key, k -> new ArrayDeque<>());
                while (!closed && wanted.containsKey(key) && !maker.refuses(key) && size(q) < settings.size()) {
                    Optional<S> made = maker.make(key);
                    if (made.isEmpty()) {
                        break;
                    }
                    if (closed) {
                        maker.remove(made.get());
                        break;
                    }
                    synchronized (q) {
                        q.addLast(new Ready<>(made.get(), clock.instant()));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("refilling the warm {} pools failed: {}", what, e.toString());
        }
    }

    /** Waits up to {@code limit} until no background removal is queued or running; for tests. */
    public boolean awaitRemovals(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (removing.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * Stops refilling (a sandbox being made is finished and removed, not interrupted: an engine call cut short may
     * have made something it never named), removes every ready sandbox and waits for pending removals. Closes no
     * driver: the caller closes its own after this.
     */
    @Override
    public void close() {
        closed = true;
        refill.shutdown();
        try {
            if (!refill.awaitTermination(30, TimeUnit.SECONDS)) {
                refill.shutdownNow(); // a make() that hangs that long is cut short; make() removes what it made
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Deque<Ready<S>> q : ready.values()) {
            List<Ready<S>> left;
            synchronized (q) {
                left = new ArrayList<>(q);
                q.clear();
            }
            left.forEach(r -> remove(r.sandbox()));
        }
        removals.shutdown();
        try {
            if (!removals.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("warm {} pool removals still running after 60s; the driver closes what is left", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
