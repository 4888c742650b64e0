// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.proxy.LoopbackProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a state root's instances as their owners want them, from one thread: for each RUNNING instance a loopback
 * proxy from {@code 127.0.0.1:<host port>} to the guest's service (reopened when the guest's address changes), a
 * health check every few seconds (a healthy service is shown failing after three failed checks in a row: see
 * {@link HealthVerdict}), and a restart with backoff (1 s, doubling to 60 s; reset after a minute up) when its guest
 * stopped on its own; STOPPED instances get no proxy and no restart. What it sees goes to each instance's
 * {@code supervisor.json} (restarts, last exit reason, proxy, health) and {@code host.log}.
 *
 * <p>An instance with an egress allowlist gets its DNS server here, for as long as its guest exists and it is
 * not stopped: the server must outlive the command that made the instance. Its rules are host state, written before
 * each start by whichever process starts the guest and again when this supervisor begins serving it.
 *
 * <p>One supervisor per state root (a lock file says whether one runs). When it starts, RUNNING instances whose
 * guests are down (a host reboot, an agent restart) are started at once. Closing it closes the proxies but leaves
 * the guests running: the next supervisor adopts them. Thread-safe to start and close.
 */
public final class InstanceSupervisor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InstanceSupervisor.class);
    private static final Duration HEALTH_EVERY = Duration.ofSeconds(5);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    private static final Duration STABLE_AFTER = Duration.ofSeconds(60);

    private final Instances instances;
    private final InstantSource clock;
    private final Duration tick;
    private final SupervisorLock lock;
    private final Map<String, Tracked> tracked = new HashMap<>();
    private final Thread thread;
    private final Optional<Duration> idlePause;
    private volatile boolean closed;

    /** What the supervisor keeps per instance between ticks. */
    private static final class Tracked {
        LoopbackProxy proxy;
        InetSocketAddress target;
        String proxyText = "closed";
        int restarts;
        String lastExit;
        Instant lastExitAt;
        Instant restartAt;
        int failuresInRow;
        boolean wasRunning;
        boolean adopted;
        Instant healthAt;
        final HealthVerdict health = new HealthVerdict();
        AutoCloseable dns;
        String dnsText = "";
        WakeListener wake;
        /** When the proxy last carried a connection other than the health probe's (idle pause). */
        Instant activeAt;
        long acceptedSeen;
        long probes;
    }

    private InstanceSupervisor(Instances instances, InstantSource clock, Duration tick, SupervisorLock lock,
            Optional<Duration> idlePause) {
        this.instances = instances;
        this.idlePause = idlePause;
        this.clock = clock;
        this.tick = tick;
        this.lock = lock;
        this.thread = Thread.ofPlatform().daemon().name("instance-supervisor").unstarted(this::loop);
    }

    /** Thrown when another supervisor (in this process or another) already runs for a state root. */
    public static final class AlreadySupervised extends IOException {
        private static final long serialVersionUID = 1L;

        AlreadySupervised(String message) {
            super(message);
        }
    }

    /**
     * Starts supervising the instances of {@code instances}' state root.
     *
     * @throws AlreadySupervised when another supervisor already runs for that state root
     * @throws IOException when the lock file cannot be opened
     */
    public static InstanceSupervisor start(Instances instances, InstantSource clock) throws IOException {
        return start(instances, clock, Duration.ofSeconds(1), Optional.empty());
    }

    /**
     * Starts supervising, pausing each running instance whose runtime can pause ({@link GuestDriver#canPause})
     * once its proxy has carried no connection for {@code idlePause} (the supervisor's own health probes aside); a
     * paused instance wakes on the next connection to its port whether or not this is set.
     *
     * @throws IOException when another supervisor already runs for that state root
     */
    public static InstanceSupervisor start(Instances instances, InstantSource clock, Optional<Duration> idlePause)
            throws IOException {
        return start(instances, clock, Duration.ofSeconds(1), idlePause);
    }

    static InstanceSupervisor start(Instances instances, InstantSource clock, Duration tick) throws IOException {
        return start(instances, clock, tick, Optional.empty());
    }

    static InstanceSupervisor start(Instances instances, InstantSource clock, Duration tick,
            Optional<Duration> idlePause) throws IOException {
        InstanceSupervisor s = new InstanceSupervisor(instances, clock, tick,
                SupervisorLock.take(instances.store().root()), idlePause);
        s.thread.start();
        log.info("supervising the instances of {}", instances.store().root());
        return s;
    }

    private void loop() {
        while (!closed) {
            try {
                reconcile();
            } catch (IOException | RuntimeException e) {
                log.warn("instance supervisor pass failed: {}", e.toString());
            }
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass over every instance. */
    void reconcile() throws IOException {
        Set<String> seen = new HashSet<>();
        for (String id : instances.store().ids()) {
            seen.add(id);
            // every line of this instance's pass (engine, proxy, DNS, firewall) carries its id as a field
            try (var fields = dev.hearth.core.log.LogFields.instance(null, id)) {
                if (!reconcile(id)) {
                    return;
                }
            }
        }
        for (String id : List.copyOf(tracked.keySet())) {
            if (!seen.contains(id)) {
                Tracked gone = tracked.remove(id);
                closeWake(id, gone, "instance removed");
                closeProxy(id, gone, "instance removed");
                closeDns(id, gone, "instance removed");
            }
        }
    }

    /** One pass over instance {@code id}; false when interrupted (the pass ends). */
    private boolean reconcile(String id) throws IOException {
        Optional<InstanceState> s = instances.store().read(id);
        if (s.isEmpty() || closed) {
            return true;
        }
        Tracked t = tracked.computeIfAbsent(id, k -> fromReport(k));
        try {
            instances.runtime(s.get().runtime()).tidy(s.get().guest());
            switch (s.get().desired()) {
                case CREATING -> {
                    closeWake(id, t, "instance not handed over");
                    closeProxy(id, t, "instance not handed over");
                    keepDns(s.get(), t);
                }
                case STOPPED -> {
                    closeWake(id, t, "instance stopped");
                    closeProxy(id, t, "instance stopped");
                    closeDns(id, t, "instance stopped");
                }
                case PAUSED -> {
                    closeProxy(id, t, "instance paused");
                    closeDns(id, t, "instance paused");
                    keepWake(s.get(), t);
                }
                case RUNNING -> {
                    closeWake(id, t, "instance running");
                    keepDns(s.get(), t);
                    keepRunning(s.get(), t);
                }
            }
        } catch (SandboxException | RuntimeException e) {
            t.health.set("unknown: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (s.get().desired() != InstanceState.Desired.CREATING) {
            instances.store().writeReport(id, report(t));
        }
        return true;
    }

    private Tracked fromReport(String id) {
        Tracked t = new Tracked();
        try {
            SupervisorReport r = instances.store().report(id);
            t.restarts = r.restarts();
            t.lastExit = r.lastExit();
            t.lastExitAt = r.lastExitAt();
        } catch (IOException e) {
            log.debug("no readable report for {}: {}", id, e.toString());
        }
        return t;
    }

    private void keepRunning(InstanceState s, Tracked t) throws SandboxException, InterruptedException, IOException {
        GuestDriver runtime = instances.runtime(s.runtime());
        Optional<GuestStatus> g = runtime.status(s.guest());
        Instant now = clock.instant();
        if (g.isEmpty()) {
            t.health.set("failing: the guest is missing (removed outside Hearth?)");
            closeProxy(s.id(), t, "guest missing");
            return;
        }
        if (g.get().running()) {
            t.wasRunning = true;
            t.adopted = true;
            t.restartAt = null;
            if (t.failuresInRow > 0 && g.get().startedAt().map(at -> at.plus(STABLE_AFTER).isBefore(now)).orElse(false)) {
                t.failuresInRow = 0;
            }
            openProxy(s, t, g.get(), runtime);
            if (pauseIfIdle(s, t, now, runtime)) {
                return;
            }
            if (t.proxy != null && (t.healthAt == null || t.healthAt.plus(HEALTH_EVERY).isBefore(now))) {
                t.probes++;
                String line = t.health.observe(HealthProbe.check(s.hostPort(),
                        instances.provisioner().workload(s).healthPath()));
                if (line != null) {
                    hostLog(s.id(), line);
                }
                t.healthAt = now;
            }
            return;
        }
        // Down, though wanted up: a crash, a kill, or a host restart before this supervisor began.
        if (t.restartAt == null) {
            String reason = g.get().lastExit().orElse("not running");
            boolean afterStart = !t.adopted;
            t.adopted = true;
            if (t.wasRunning || afterStart) {
                t.lastExit = reason;
                t.lastExitAt = g.get().finishedAt().orElse(now);
            }
            Duration delay = afterStart ? Duration.ZERO : backoff(t.failuresInRow);
            t.restartAt = now.plus(delay);
            t.health.set("failing: guest down (" + reason + ")");
            hostLog(s.id(), (afterStart ? "guest found down when the supervisor started (" : "guest exited (")
                    + reason + "); starting it in " + delay.toMillis() + " ms");
        }
        if (!now.isBefore(t.restartAt)) {
            // Read again: a stop or destroy may have come in since this pass began.
            Optional<InstanceState> again = instances.store().read(s.id());
            if (again.isEmpty() || again.get().desired() != InstanceState.Desired.RUNNING) {
                t.restartAt = null;
                return;
            }
            runtime.start(s.guest());
            t.restarts++;
            t.failuresInRow++;
            t.wasRunning = false;
            t.restartAt = null;
            t.healthAt = null;
            hostLog(s.id(), "started the guest again (restart " + t.restarts + ")");
        }
    }

    /**
     * Serves the DNS of an instance with an egress allowlist from this process once its guest exists (create makes
     * it; an agent restart adopts it), writing its allowlist rules again as it starts. A guest removed meanwhile (a
     * create rolled back) gets its rules removed again, so nothing this pass wrote outlives it.
     */
    private void keepDns(InstanceState s, Tracked t) throws SandboxException, IOException {
        if (s.allow().isEmpty() || t.dns != null) {
            return;
        }
        GuestDriver runtime = instances.runtime(s.runtime());
        if (runtime.status(s.guest()).isEmpty()) {
            return;
        }
        try {
            t.dns = runtime.serveDns(s.guest()).orElse(null);
        } catch (SandboxException e) {
            if (!e.getMessage().equals(t.dnsText)) {
                hostLog(s.id(), "allowlist DNS failed: " + e.getMessage());
            }
            t.dnsText = e.getMessage();
            return; // tried again next pass; the guest stays fenced meanwhile, only without answers
        }
        if (t.dns != null && (instances.store().read(s.id()).isEmpty() || runtime.status(s.guest()).isEmpty())) {
            closeDns(s.id(), t, "guest removed while the server started");
            runtime.remove(s.guest());
            return;
        }
        t.dnsText = "";
        hostLog(s.id(), "allowlist DNS serving " + s.allow());
    }

    private void closeDns(String id, Tracked t, String why) {
        if (t == null || t.dns == null) {
            return;
        }
        try {
            t.dns.close();
        } catch (Exception e) {
            try (var fields = dev.hearth.core.log.LogFields.instance(null, id)) {
                log.warn("instance {}: closing its allowlist DNS: {}", id, e.toString());
            }
        }
        t.dns = null;
        hostLog(id, "allowlist DNS closed (" + why + ")");
    }

    private static Duration backoff(int failures) {
        long seconds = 1L << Math.min(failures, 6);
        return Duration.ofSeconds(Math.min(seconds, MAX_BACKOFF.toSeconds()));
    }

    /**
     * Pauses a running instance whose proxy carried no connection but the health probes' for the idle limit; true
     * when it did. Called before this pass's probe, so the last probe's connection has long ended.
     */
    private boolean pauseIfIdle(InstanceState s, Tracked t, Instant now, GuestDriver runtime)
            throws IOException, InterruptedException {
        if (idlePause.isEmpty() || t.proxy == null || !runtime.canPause()) {
            return false;
        }
        var m = t.proxy.metrics();
        long others = m.accepted() - t.probes;
        if (t.activeAt == null || m.active() > 0 || others != t.acceptedSeen) {
            t.activeAt = now;
            t.acceptedSeen = others;
            return false;
        }
        if (t.activeAt.plus(idlePause.get()).isAfter(now)) {
            return false;
        }
        hostLog(s.id(), "no connection for " + idlePause.get().toSeconds() + " s: pausing it (a connection to "
                + "127.0.0.1:" + s.hostPort() + " wakes it)");
        closeProxy(s.id(), t, "idle, pausing");
        try {
            instances.pause(s.id(), StepProgress.silent());
        } catch (InstanceException e) {
            hostLog(s.id(), "idle pause failed: " + e.getMessage());
            return false;
        }
        t.activeAt = null;
        keepWake(s.withDesired(InstanceState.Desired.PAUSED), t);
        return true;
    }

    /** Keeps a wake listener on a paused instance's port while its guest is paused (scale to zero). */
    private void keepWake(InstanceState s, Tracked t) {
        if (t.wake != null) {
            t.proxyText = "waking on 127.0.0.1:" + s.hostPort();
            return;
        }
        if (!instances.runtime(s.runtime()).paused(s.guest())) {
            return;
        }
        String id = s.id();
        try {
            t.wake = WakeListener.start(s.hostPort(), () -> {
                InstanceState woken = instances.wake(id);
                GuestDriver runtime = instances.runtime(woken.runtime());
                Optional<String> address = runtime.status(woken.guest()).flatMap(GuestStatus::address)
                        .or(() -> Optional.ofNullable(woken.guestIp()));
                if (address.isEmpty()) {
                    throw new InstanceException("instance '" + id + "' was woken but its guest has no address");
                }
                return InetSocketAddress.createUnresolved(address.get(),
                        instances.provisioner().workload(woken).guestPort());
            }, Duration.ofSeconds(30).multipliedBy(instances.runtime(s.runtime()).slowdown(s.guest())));
            t.proxyText = "waking on 127.0.0.1:" + s.hostPort();
            hostLog(id, "paused; a connection to 127.0.0.1:" + s.hostPort() + " wakes it");
        } catch (IOException e) {
            t.proxyText = "wake listener failed: " + e.getMessage();
            hostLog(id, t.proxyText);
        }
    }

    private void closeWake(String id, Tracked t, String why) {
        if (t != null && t.wake != null) {
            t.wake.close();
            t.wake = null;
            hostLog(id, "wake listener closed (" + why + ")");
            t.proxyText = "closed";
        }
    }

    private void openProxy(InstanceState s, Tracked t, GuestStatus g, GuestDriver runtime) {
        Optional<String> address = g.address().or(() -> Optional.ofNullable(s.guestIp()));
        if (address.isEmpty()) {
            t.proxyText = "waiting for the guest's address";
            return;
        }
        int guestPort = instances.provisioner().workload(s).guestPort();
        InetSocketAddress target = InetSocketAddress.createUnresolved(address.get(), guestPort);
        if (t.proxy != null && target.equals(t.target)) {
            return;
        }
        closeProxy(s.id(), t, "guest address changed");
        try {
            t.proxy = LoopbackProxy.start(LoopbackProxy.LOOPBACK, s.hostPort(), address.get(), guestPort,
                    Duration.ofSeconds(5));
            t.target = target;
            t.probes = 0;
            t.activeAt = null;
            t.proxyText = "listening 127.0.0.1:" + s.hostPort() + " -> " + address.get() + ":" + guestPort;
            hostLog(s.id(), "proxy " + t.proxyText);
        } catch (IOException | RuntimeException e) {
            t.proxyText = "failed: " + e.getMessage();
            hostLog(s.id(), "proxy " + t.proxyText);
        }
    }

    private void closeProxy(String id, Tracked t, String why) {
        if (t != null && t.proxy != null) {
            t.proxy.close();
            t.proxy = null;
            t.target = null;
            hostLog(id, "proxy closed (" + why + ")");
        }
        if (t != null) {
            t.proxyText = "closed";
            t.health.set("unknown");
            t.healthAt = null;
        }
    }

    private SupervisorReport report(Tracked t) {
        return new SupervisorReport(t.restarts, t.lastExit, t.lastExitAt, t.proxyText, t.health.shown(), t.healthAt,
                ProcessHandle.current().pid());
    }

    private void hostLog(String id, String line) {
        try (var fields = dev.hearth.core.log.LogFields.instance(null, id)) {
            log.info("instance {}: {}", id, line);
        }
        instances.store().appendHostLog(id, clock.instant() + " " + line);
    }

    /** Stops supervising: closes every proxy, leaves the guests as they are, releases the lock. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (tracked) {
            tracked.forEach((id, t) -> {
                if (t.proxy != null) {
                    t.proxy.close();
                    t.proxy = null;
                }
                if (t.wake != null) {
                    t.wake.close();
                    t.wake = null;
                }
                closeDns(id, t, "supervisor closed; the rules stay, the next supervisor serves it again");
            });
        }
        try {
            lock.close();
        } catch (IOException e) {
            log.debug("releasing the supervisor lock failed: {}", e.toString());
        }
    }
}
