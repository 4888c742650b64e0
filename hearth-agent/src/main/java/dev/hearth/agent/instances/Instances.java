// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.TerminalSize;
import dev.hearth.sandbox.image.OpenClawImage;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * The lifecycle of OpenClaw instances on this host: create (with rollback), list, status, start, stop, restart,
 * logs, shell, token, destroy, provision. Commands act directly on the guests and the state folder, as
 * {@code hearth run} does for jobs, so each shows its own progress and errors in the user's terminal; the
 * {@link InstanceSupervisor} (in {@code hearth agent}, or {@code hearth instance supervise}) owns what must outlive
 * a command: the loopback proxies, restarts with backoff, health checks. Each command works whatever state the
 * instance is in. Thread-safe.
 */
public final class Instances {

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** How long saving a guest may take on the host's own CPU (stretched by the runtime's slowdown). */
    private static final Duration PAUSE_LIMIT = Duration.ofSeconds(30);

    private final InstanceSettings settings;
    private final InstanceStore store;
    private final Map<InstanceRuntime, GuestDriver> runtimes;
    private final Provisioner provisioner;
    private final InstantSource clock;
    private final String defaultImage;
    private volatile IntPredicate portFree = PortProbe::free;
    private volatile InstanceCreator.Faults faults = InstanceCreator.Faults.NONE;
    private volatile InstanceCreator.Timeouts timeouts = InstanceCreator.Timeouts.DEFAULT;

    /**
     * @param runtimes the runtimes available on this build and host; a spec naming another is refused
     * @param defaultImage the image when the spec names none
     */
    public Instances(InstanceSettings settings, Map<InstanceRuntime, GuestDriver> runtimes, Provisioner provisioner,
            InstantSource clock, String defaultImage) throws IOException {
        this.settings = settings;
        this.store = new InstanceStore(settings.stateRoot());
        this.runtimes = Map.copyOf(runtimes);
        this.provisioner = provisioner;
        this.clock = clock;
        this.defaultImage = defaultImage;
    }

    /** OpenClaw on the given runtimes, with the default OpenClaw image. */
    public static Instances openClaw(InstanceSettings settings, Map<InstanceRuntime, GuestDriver> runtimes)
            throws IOException {
        return new Instances(settings, runtimes, new OpenClawProvisioner(), InstantSource.system(),
                OpenClawImage.reference(OpenClawImage.DEFAULT_OPENCLAW_VERSION));
    }

    InstanceSettings settings() {
        return settings;
    }

    /** The image store, BASE_IMAGES_DIR: the only place a remote create may name microVM base files from. */
    public java.nio.file.Path baseImagesDir() {
        return settings.baseImagesDir();
    }

    /** The state folder. */
    public InstanceStore store() {
        return store;
    }

    Provisioner provisioner() {
        return provisioner;
    }

    String defaultImage() {
        return defaultImage;
    }

    IntPredicate portFree() {
        return portFree;
    }

    InstanceCreator.Timeouts timeouts() {
        return timeouts;
    }

    /** Test seams: fault injection before each create step, and shorter waits. */
    void testing(InstanceCreator.Faults f, InstanceCreator.Timeouts t) {
        faults = f;
        timeouts = t;
    }

    /** Test seam: how "is this port free" is answered. */
    void portProbe(IntPredicate probe) {
        portFree = probe;
    }

    /** The runtime an instance uses, or a clear error when this build has none for it. */
    GuestDriver runtime(InstanceRuntime kind) {
        GuestDriver r = runtimes.get(kind);
        if (r == null) {
            throw new InvalidInputException("--runtime", kind.label(), "a runtime available on this build: "
                    + runtimes.keySet().stream().map(InstanceRuntime::label).sorted().toList() + " ("
                    + kind.label() + " is not available yet on this build)");
        }
        return r;
    }

    /** Whether a supervisor runs for this state root now. */
    public boolean supervised() throws IOException {
        return SupervisorLock.held(store.root());
    }

    /**
     * Creates an instance: validates everything first, then allocates, prepares the image, boots, waits, provisions,
     * hands it to the supervisor (proxy) and waits for health. On failure nothing is left.
     *
     * @throws InvalidInputException before anything is made (runtime, id, port, pool, no supervisor)
     * @throws InstanceException naming the step that failed, after undoing everything
     */
    public InstanceState create(InstanceSpec spec, StepProgress progress) throws IOException, InterruptedException {
        GuestDriver runtime = runtime(spec.runtime());
        runtime.check(spec);
        if (!supervised()) {
            throw new InvalidInputException("STATE_ROOT", store.root().toString(), "a state root with a running "
                    + "instance supervisor, which keeps the proxy and restarts the guest; start 'hearth agent' or "
                    + "'hearth instance supervise' (or install 'hearth agent install-systemd') first");
        }
        return new InstanceCreator(this, new SecureRandom(), clock, faults).create(spec, runtime, progress);
    }

    /** Every instance, sorted by id. */
    public List<InstanceView> list() throws IOException {
        boolean supervised = supervised();
        List<InstanceView> out = new ArrayList<>();
        for (InstanceState s : store.all()) {
            out.add(view(s, supervised));
        }
        return out;
    }

    /** One instance, whatever its state. */
    public InstanceView status(String id) throws IOException {
        return view(state(id), supervised());
    }

    private InstanceView view(InstanceState s, boolean supervised) throws IOException {
        Optional<GuestStatus> guest = Optional.empty();
        Optional<String> error = Optional.empty();
        try {
            guest = runtime(s.runtime()).status(s.guest());
        } catch (SandboxException | InvalidInputException e) {
            error = Optional.of(e.getMessage());
        }
        return new InstanceView(s, guest, error, store.report(s.id()), supervised);
    }

    /** The state of {@code id}, or an error naming it when there is no such instance. */
    InstanceState state(String id) throws IOException {
        InstanceSpec.checkId(id);
        return store.read(id).orElseThrow(() -> new InvalidInputException("instance id", id,
                "the id of an existing instance (see 'hearth instance list')"));
    }

    /** Starts a stopped instance (its guest, then the supervisor opens the proxy) and waits for health. */
    public void start(String id, StepProgress progress) throws IOException, InterruptedException {
        InstanceState s = creatingRefused(state(id)).withDesired(InstanceState.Desired.RUNNING);
        store.write(s);
        progress.step("start " + id);
        ensureGuest(s);
        runtime(s.runtime()).start(s.guest());
        awaitHealthIfSupervised(s, progress);
        progress.done("instance " + id + " is running on 127.0.0.1:" + s.hostPort());
    }

    /** Stops an instance whatever its service does: marks it stopped first so the supervisor leaves it down. */
    public void stop(String id, StepProgress progress) throws IOException {
        InstanceState s = creatingRefused(state(id)).withDesired(InstanceState.Desired.STOPPED);
        store.write(s);
        progress.step("stop " + id);
        runtime(s.runtime()).stop(s.guest(), STOP_GRACE);
        progress.done("instance " + id + " is stopped");
    }

    /**
     * Pauses a running instance to disk: marks it paused (the supervisor then closes its proxy and restarts nothing),
     * saves its guest's memory and devices and ends the guest, so its memory is freed. The guest's disk, address and
     * secrets stay; {@link #resume} goes on where it was. Serialized with other pauses and resumes of this state
     * root (the allocation lock). A guest that cannot be saved keeps running and the instance stays as it was; on a
     * runtime that cannot pause, nothing is marked at all.
     *
     * @throws InstanceException when the instance does not run or its runtime cannot pause (Docker, Firecracker)
     */
    public void pause(String id, StepProgress progress) throws IOException, InterruptedException {
        try (StateLock lock = StateLock.acquire(store.root())) {
            InstanceState s = creatingRefused(state(id));
            GuestDriver runtime = runtime(s.runtime());
            if (runtime.paused(s.guest())) {
                store.write(s.withDesired(InstanceState.Desired.PAUSED));
                progress.done("instance " + id + " is paused already");
                return;
            }
            // marked paused first, so the supervisor restarts nothing while the guest is saved and ends; a runtime
            // that cannot pause refuses before that, so its instance is never seen paused (its proxy stays open)
            if (runtime.canPause()) {
                store.write(s.withDesired(InstanceState.Desired.PAUSED));
            }
            progress.step("save the guest of " + id + " to disk");
            try {
                runtime.pause(s.guest(), PAUSE_LIMIT.multipliedBy(runtime.slowdown(s.guest())));
            } catch (SandboxException e) {
                store.write(s);
                throw new InstanceException("cannot pause instance '" + id + "': " + e.getMessage(), e);
            }
        }
        progress.done("instance " + id + " is paused; 'hearth instance resume " + id + "' goes on where it was");
    }

    /**
     * Resumes a paused instance from its saved state (same disk, address and secrets), marks it running and, with a
     * supervisor, waits for its health through the proxy. A running instance is only marked running.
     *
     * @throws InstanceException when the instance is not paused, or its saved state cannot be loaded
     */
    public void resume(String id, StepProgress progress) throws IOException, InterruptedException {
        InstanceState running;
        try (StateLock lock = StateLock.acquire(store.root())) {
            InstanceState s = creatingRefused(state(id));
            GuestDriver runtime = runtime(s.runtime());
            if (s.desired() != InstanceState.Desired.PAUSED && !runtime.paused(s.guest())) {
                throw new InstanceException("instance '" + id + "' is not paused (it is "
                        + s.desired().name().toLowerCase(java.util.Locale.ROOT) + "); 'hearth instance start " + id
                        + "' starts a stopped one");
            }
            progress.step("resume the guest of " + id + " from disk");
            try {
                runtime.resume(s.guest());
            } catch (SandboxException e) {
                throw new InstanceException("cannot resume instance '" + id + "': " + e.getMessage()
                        + "; its saved state is kept: try again, or 'hearth instance restart " + id
                        + "' to boot it afresh", e);
            }
            running = s.withDesired(InstanceState.Desired.RUNNING);
            store.write(running);
        }
        awaitHealthIfSupervised(running, progress);
        progress.done("instance " + id + " is running on 127.0.0.1:" + running.hostPort());
    }

    /**
     * Resumes a paused instance for a connection to its port (scale to zero; the supervisor's wake listener calls
     * it for each connection it holds): under the allocation lock, a paused instance's guest is resumed and the
     * instance marked running; one already running (woken by an earlier connection) is returned as it is. No
     * health wait: the caller retries its connection to the service.
     *
     * @throws InstanceException when the instance is neither paused nor running (stopped, destroyed meanwhile), or
     *     its guest cannot be resumed
     */
    public InstanceState wake(String id) throws IOException, InterruptedException {
        try (StateLock lock = StateLock.acquire(store.root())) {
            InstanceState s = state(id);
            if (s.desired() == InstanceState.Desired.RUNNING) {
                return s;
            }
            if (s.desired() != InstanceState.Desired.PAUSED) {
                throw new InstanceException("instance '" + id + "' is " + s.desired().name().toLowerCase(
                        java.util.Locale.ROOT) + ", not paused: a connection does not start it");
            }
            try {
                runtime(s.runtime()).resume(s.guest());
            } catch (SandboxException e) {
                throw new InstanceException("cannot wake instance '" + id + "': " + e.getMessage(), e);
            }
            InstanceState running = s.withDesired(InstanceState.Desired.RUNNING);
            store.write(running);
            return running;
        }
    }

    /** Stops (if running) and starts an instance; starts a stopped one. */
    public void restart(String id, StepProgress progress) throws IOException, InterruptedException {
        InstanceState s = creatingRefused(state(id));
        progress.step("stop " + id);
        store.write(s.withDesired(InstanceState.Desired.STOPPED));
        runtime(s.runtime()).stop(s.guest(), STOP_GRACE);
        start(id, progress);
    }

    /** Runs provisioning again on the running guest, then restarts the service so it reads the new settings. */
    public void provision(String id, StepProgress progress) throws IOException, InterruptedException {
        InstanceState s = creatingRefused(state(id));
        GuestDriver runtime = runtime(s.runtime());
        ensureGuest(s);
        progress.step("start the guest");
        runtime.start(s.guest());
        awaitGuest(runtime, s, timeouts.guest());
        progress.step(CreateStep.PROVISION.label());
        provisioner.provision(runtime, s, store.secrets(id).orElseThrow(() -> new InstanceException(
                "instance '" + id + "' has no secrets file; destroy and create it again")), progress);
        restart(id, progress);
    }

    /** The gateway token. */
    public String token(String id) throws IOException {
        state(id);
        return store.secrets(id).map(InstanceSecrets::gatewayToken).orElseThrow(() -> new InstanceException(
                "instance '" + id + "' has no secrets file; destroy and create it again"));
    }

    /** Removes the guest, the proxy (through the supervisor) and the state folder; works in any state. */
    public void destroy(String id, StepProgress progress) throws IOException {
        InstanceState s = state(id);
        // Stopped first, so the supervisor neither restarts the guest nor keeps its proxy while it goes.
        store.write(s.withDesired(InstanceState.Desired.STOPPED));
        progress.step("remove the guest of " + id);
        runtime(s.runtime()).remove(s.guest());
        progress.step("close the proxy and remove " + store.folder(id));
        forget(id);
        progress.done("instance " + id + " is gone");
    }

    /**
     * Shows the guest's output (guest), or the supervisor's events for it (host): the last {@code tail} lines, then,
     * when following, new output until the guest stops, the instance is destroyed, or the thread is interrupted.
     */
    public void logs(String id, boolean host, int tail, boolean follow, LogSink sink)
            throws IOException, InterruptedException {
        InstanceState s = state(id);
        if (host) {
            HostLogFollower f = HostLogFollower.start(store.folder(id).resolve(InstanceStore.HOST_LOG), tail, follow,
                    sink);
            try {
                f.await();
            } finally {
                f.close();
            }
            return;
        }
        try (Closeable stream = runtime(s.runtime()).logs(s.guest(), tail, follow, sink)) {
            runtime(s.runtime()).awaitLogs(stream);
        }
    }

    /**
     * Runs a command in the guest attached to the caller's streams, or a shell when {@code command} is empty; on a
     * terminal of {@code tty}'s size when present.
     */
    public long shell(String id, List<String> command, Optional<TerminalSize> tty, InputStream in, OutputStream out,
            OutputStream err) throws IOException, InterruptedException {
        InstanceState s = state(id);
        GuestDriver runtime = runtime(s.runtime());
        if (runtime.status(s.guest()).map(g -> !g.running()).orElse(true)) {
            throw new InstanceException("instance '" + id + "' is not running; start it with 'hearth instance start "
                    + id + "'");
        }
        return runtime.attach(s.guest(), command, tty, in, out, err);
    }

    // ---- shared by create, the lifecycle commands and the supervisor

    /** Marks an instance as being created again, so the supervisor closes its proxy and restarts nothing. */
    void letGo(InstanceState s) {
        try {
            store.write(s.withDesired(InstanceState.Desired.CREATING));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the state of " + s.id() + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the state folder and, when a proxy was open for it, waits until the supervisor closed it. */
    void forget(String id) {
        Optional<InstanceState> s;
        try {
            s = store.read(id);
            store.deleteFolder(id);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot remove " + store.folder(id) + ": " + e.getMessage(), e);
        }
        if (s.isPresent()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!portFree.test(s.get().hostPort()) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private InstanceState creatingRefused(InstanceState s) throws InstanceException {
        if (s.desired() == InstanceState.Desired.CREATING) {
            throw new InstanceException("instance '" + s.id() + "' is still being created (or its create was "
                    + "killed); wait for it, or remove it with 'hearth instance destroy " + s.id() + " --force'");
        }
        return s;
    }

    /** Recreates a guest that went missing (removed by hand, engine reset), then provisioning must run again. */
    private void ensureGuest(InstanceState s) throws IOException, InterruptedException {
        GuestDriver runtime = runtime(s.runtime());
        if (runtime.status(s.guest()).isEmpty()) {
            throw new InstanceException("the guest of instance '" + s.id() + "' is missing (removed outside "
                    + "Hearth?); destroy the instance and create it again");
        }
    }

    /** Waits until the guest runs and answers a command; fails early when it stopped. */
    void awaitGuest(GuestDriver runtime, InstanceState s, Duration nativeLimit)
            throws IOException, InterruptedException {
        Duration limit = nativeLimit.multipliedBy(runtime.slowdown(s.guest()));
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            Optional<GuestStatus> g = runtime.status(s.guest());
            if (g.isEmpty()) {
                throw new InstanceException("the guest disappeared while starting");
            }
            if (!g.get().running() && g.get().lastExit().isPresent()) {
                throw new InstanceException("the guest stopped while starting (" + g.get().lastExit().get() + ")");
            }
            if (g.get().running()) {
                var r = runtime.exec(s.guest(), List.of("true"), Duration.ofSeconds(10));
                if (r.exitCode() == 0) {
                    return;
                }
                last = "a command in it exited " + r.exitCode() + " " + r.stderr().strip();
            }
            Thread.sleep(200);
        }
        throw new InstanceException("the guest did not answer within " + limit.toSeconds() + " s (" + last + ")");
    }

    /** Waits until the supervisor's proxy accepts connections on the instance's host port. */
    void awaitProxy(InstanceState s, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            SupervisorReport r = store.report(s.id());
            if (r.proxy().startsWith("listening") && !portFree.test(s.hostPort())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new InstanceException("the supervisor did not open the proxy on 127.0.0.1:" + s.hostPort() + " within "
                + limit.toSeconds() + " s (its report: " + store.report(s.id()).proxy() + ")");
    }

    /** Polls health through the proxy until it answers ok; fails early when the guest stopped. */
    void awaitHealth(InstanceState s, String path, Duration nativeLimit) throws IOException, InterruptedException {
        Duration limit = nativeLimit.multipliedBy(runtime(s.runtime()).slowdown(s.guest()));
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "not checked";
        while (System.nanoTime() < deadline) {
            last = HealthProbe.check(s.hostPort(), path);
            if (HealthProbe.ok(last)) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new InstanceException("GET " + path + " through 127.0.0.1:" + s.hostPort() + " did not answer "
                + "{\"ok\":true} within " + limit.toSeconds() + " s (last: " + last + ")");
    }

    private void awaitHealthIfSupervised(InstanceState s, StepProgress progress)
            throws IOException, InterruptedException {
        if (!supervised()) {
            progress.detail("no supervisor runs for " + store.root() + ": the proxy stays closed until one does");
            return;
        }
        progress.step(CreateStep.PROXY.label());
        awaitProxy(s, timeouts.proxy());
        progress.step(CreateStep.HEALTH.label());
        awaitHealth(s, provisioner.workload(s).healthPath(), timeouts.health());
    }
}
