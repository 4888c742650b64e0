// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm pools of Docker containers, one per {@link PoolKey}. A pooled container is made by the same
 * {@link DockerDriver#create} as a cold one (same host configuration, owner labels, fresh {@code /job} and quota)
 * from the key's {@link PoolKey#holderSpec holder spec}, and started idle. {@link #create} takes one (the job's files
 * are delivered into its {@code /job} then), or makes the sandbox cold when none is ready; each taken container is
 * used by one job and removed after it, in the background ({@link #REMOVERS} threads, and inline when
 * {@link #REMOVAL_QUEUE} removals already wait). One refill thread tops every wanted key up to the pool size, and
 * drops ready containers and keys idle past the idle limit. Thread-safe.
 */
final class DockerWarmPools implements WarmPoolDriver {

    private static final Logger log = LoggerFactory.getLogger(DockerWarmPools.class);
    static final int REMOVERS = 2;
    static final int REMOVAL_QUEUE = 64;
    /** After a take, the refill waits this long so its create and start do not compete with the job's own start. */
    static final long REFILL_DELAY_MILLIS = 300;

    private record Ready(DockerSandbox container, long pid, Instant made) {
    }

    private final DockerDriver cold;
    private final PoolSettings settings;
    private final InstantSource clock;
    private final Map<PoolKey, Deque<Ready>> ready = new ConcurrentHashMap<>();
    /** Keys asked for, with when they were last asked for. */
    private final Map<PoolKey, Instant> wanted = new ConcurrentHashMap<>();
    /** Keys whose image has an entrypoint: an exec would skip it, so their jobs are made cold. */
    private final Set<PoolKey> refused = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService refill;
    private final ThreadPoolExecutor removals;
    /** Removals handed out and not finished (the executor's own counts miss a task between queue and worker). */
    private final java.util.concurrent.atomic.AtomicInteger removing = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    DockerWarmPools(DockerDriver cold, PoolSettings settings, InstantSource clock) {
        this.cold = cold;
        this.settings = settings;
        this.clock = clock;
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

    @Override
    public String name() {
        return cold.name();
    }

    @Override
    public Set<DriverCapability> capabilities() {
        return cold.capabilities();
    }

    @Override
    public PoolSettings settings() {
        return settings;
    }

    @Override
    public boolean poolable(SandboxSpec spec) {
        return settings.size() > 0 && PoolKey.of(spec).filter(k -> !refused.contains(k)).isPresent();
    }

    @Override
    public void prewarm(SandboxSpec like) {
        Optional<String> why = PoolKey.reason(like);
        if (why.isPresent()) {
            throw new IllegalArgumentException("cannot keep a warm pool for " + like.image() + ": " + why.get());
        }
        want(PoolKey.of(like).orElseThrow(), 0);
    }

    @Override
    public int ready(SandboxSpec like) {
        return PoolKey.of(like).map(k -> ready.getOrDefault(k, new ArrayDeque<>())).map(this::size).orElse(0);
    }

    private int size(Deque<Ready> q) {
        synchronized (q) {
            return q.size();
        }
    }

    private void want(PoolKey key, long delayMillis) {
        if (settings.size() == 0 || closed) {
            return;
        }
        wanted.put(key, clock.instant());
        try {
            refill.schedule(this::topUp, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile: nothing to refill
        }
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        Optional<PoolKey> key = PoolKey.of(spec).filter(k -> !refused.contains(k) && settings.size() > 0);
        if (key.isEmpty() || spec.command().isEmpty()) {
            return cold.create(spec);
        }
        want(key.get(), REFILL_DELAY_MILLIS);
        Optional<Ready> taken = take(key.get());
        if (taken.isEmpty()) {
            log.debug("no warm container ready for {}; making {} cold", key.get().image(), spec.name());
            return cold.create(spec);
        }
        DockerSandbox container = taken.get().container();
        // with no files, nothing to deliver: its /job and /job/out were made for the key's user at its creation
        if (!spec.files().isEmpty()) {
            try {
                cold.client().copyArchiveToContainerCmd(container.id())
                        .withTarInputStream(new ByteArrayInputStream(WorkspaceArchive.build(spec.files(), spec.user())))
                        .withRemotePath(SandboxSpec.WORKSPACE).exec();
            } catch (RuntimeException e) {
                remove(container);
                throw DockerErrors.translate("deliver files into pooled container " + container.name() + " for "
                        + spec.name(), e);
            }
        }
        log.debug("job {} takes warm container {}", spec.name(), container.name());
        return new WarmSandbox(cold.client(), container, taken.get().pid(), spec, this::remove);
    }

    /** A ready container of {@code key} whose holder still runs; the oldest first. */
    private Optional<Ready> take(PoolKey key) {
        Deque<Ready> q = ready.get(key);
        while (q != null) {
            Ready r;
            synchronized (q) {
                r = q.pollFirst();
            }
            if (r == null) {
                return Optional.empty();
            }
            if (ProcessHandle.of(r.pid()).map(ProcessHandle::isAlive).orElse(r.pid() == 0)) {
                return Optional.of(r);
            }
            log.warn("warm container {} stopped while it waited; removing it", r.container().name());
            remove(r.container());
        }
        return Optional.empty();
    }

    /** Removes {@code container} in the background (inline when the removal queue is full). */
    private void remove(DockerSandbox container) {
        removing.incrementAndGet();
        Runnable removal = () -> {
            try {
                container.close();
            } finally {
                removing.decrementAndGet();
            }
        };
        try {
            removals.execute(removal);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            removal.run();
        }
    }

    /** Drops what idled too long, then makes containers until every wanted key has its pool size ready. */
    private void topUp() {
        try {
            Instant now = clock.instant();
            wanted.entrySet().removeIf(e -> !e.getValue().plus(settings.idleLimit()).isAfter(now));
            for (Map.Entry<PoolKey, Deque<Ready>> e : ready.entrySet()) {
                List<Ready> stale = new ArrayList<>();
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
                stale.forEach(r -> remove(r.container()));
            }
            for (PoolKey key : List.copyOf(wanted.keySet())) {
                Deque<Ready> q = ready.computeIfAbsent(key, k -> new ArrayDeque<>());
                while (!closed && wanted.containsKey(key) && !refused.contains(key) && size(q) < settings.size()) {
                    Optional<Ready> made = make(key);
                    if (made.isEmpty()) {
                        break;
                    }
                    synchronized (q) {
                        q.addLast(made.get());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("refilling the warm pools failed: {}", e.toString());
        }
    }

    /** One started idle container of {@code key}, or empty when the engine refused (logged; tried again later). */
    private Optional<Ready> make(PoolKey key) throws InterruptedException {
        DockerSandbox container = null;
        try {
            container = (DockerSandbox) cold.create(key.holderSpec("hearth-pool-" + UUID.randomUUID()));
            List<String> entrypoint = Optional.ofNullable(cold.client().inspectContainerCmd(container.id()).exec()
                    .getConfig().getEntrypoint()).map(List::of).orElse(List.of());
            if (!entrypoint.isEmpty()) {
                log.info("image {} has an entrypoint ({}): its jobs are made cold, not pooled", key.image(), entrypoint);
                refused.add(key);
                container.close();
                return Optional.empty();
            }
            long pid = container.startIdle();
            if (closed) {
                container.close();
                return Optional.empty();
            }
            return Optional.of(new Ready(container, pid, clock.instant()));
        } catch (SandboxException | RuntimeException e) {
            log.warn("could not make a warm container of {}: {}", key.image(), e.getMessage());
            if (container != null) {
                container.close();
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            if (container != null) {
                container.close(); // created, perhaps started: never left behind
            }
            throw e;
        }
    }

    /** Waits up to {@code limit} until no background removal is queued or running; for tests. */
    boolean awaitRemovals(java.time.Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (removing.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Ready containers of all keys; for tests and status. */
    int readyTotal() {
        return ready.values().stream().mapToInt(this::size).sum();
    }

    @Override
    public void ping() throws SandboxException {
        cold.ping();
    }

    /**
     * Stops refilling (a container being made is finished and removed, not interrupted: an engine call cut short may
     * have made a container it never named), removes every ready container, waits for pending removals, and closes
     * the engine driver.
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
        for (Deque<Ready> q : ready.values()) {
            List<Ready> left;
            synchronized (q) {
                left = new ArrayList<>(q);
                q.clear();
            }
            left.forEach(r -> remove(r.container()));
        }
        removals.shutdown();
        try {
            if (!removals.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("warm pool removals still running after 60s; the driver closes what is left");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cold.close();
    }
}
