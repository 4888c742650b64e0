// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.PublishedPort;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.proxy.LoopbackProxy;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.VmNic;
import dev.hearth.sandbox.vm.VmProcess;
import dev.hearth.sandbox.vm.Vmm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One microVM made by {@link MicroVmDriver}. Its console is parsed into frames: the job's stdout and stderr go to
 * the start sink as {@link LogSink.Stream#STDOUT}/{@link LogSink.Stream#STDERR}, as from a container; kernel text
 * is kept apart, the last {@value #CONSOLE_KEEP} characters, for error messages. Thread-safe; {@link #close()} may
 * race any call.
 *
 * <p>A VM made for a warm pool is launched ahead of its job ({@link #launchForPool}) and waits, set up, for it
 * ({@link #awaitWaiting}); {@link #assign} gives it one job, and {@link #start} sends that job's per-job part over
 * the console ({@link ConsoleJob}) instead of launching. From there it is a cold VM: same frames, exit, OOM, logs.
 *
 * <p>A clone ({@link #clone}) is started from a template VM's saved state by its own launcher: the guest goes on
 * waiting for its job where the template was saved (past its ready and waiting frames), so {@link #start} launches
 * it and sends its job at once, with a fresh seed and the time first ({@link ConsoleJob#asClone}).
 */
public final class MicroVmSandbox implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(MicroVmSandbox.class);
    private static final int CONSOLE_KEEP = 16 * 1024;
    private static final long KILLED = 137;
    private static final Duration PROXY_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Fresh entropy for each clone, which shares its template's kernel random state until it is reseeded. */
    private static final SecureRandom SEEDS = new SecureRandom();

    private volatile String name;
    private final VmConfig config;
    private final Vmm vmm;
    private final Optional<VmNetwork> network;
    private final List<PublishedPort> ports;
    private final Map<Integer, LoopbackProxy> proxies = new ConcurrentHashMap<>();
    private final InstantSource clock;
    private final Consumer<MicroVmSandbox> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch waiting = new CountDownLatch(1);
    /** A pooled VM's process from its launch until its job starts; then {@link #process} too. */
    private volatile VmProcess idle;
    private volatile ConsoleJob job;
    private final CompletableFuture<ExitStatus> jobExit = new CompletableFuture<>();
    private final Map<Integer, Exec> execs = new ConcurrentHashMap<>();
    private final AtomicInteger execIds = new AtomicInteger();
    private final Deque<String> console = new ArrayDeque<>();
    private int consoleChars;
    private volatile String failure;
    private volatile LogSink sink = LogSink.discard();
    private volatile VmProcess process;
    private volatile long readyNanos;
    private volatile long startNanos;
    private final Launcher launcher;
    /** A clone's job: set at {@link #clone}, sent at start after a restore. */
    private final ConsoleJob cloneJob;

    /** Starts this sandbox's VM process: the VMM's own launch, or a restore from a saved state. */
    @FunctionalInterface
    interface Launcher {
        VmProcess launch(VmConfig config, LogSink console) throws SandboxException, InterruptedException;
    }

    MicroVmSandbox(String name, VmConfig config, Vmm vmm, Optional<VmNetwork> network, List<PublishedPort> ports,
            InstantSource clock, Consumer<MicroVmSandbox> onClose) {
        this(name, config, vmm, network, ports, clock, onClose, vmm::launch, null);
    }

    private MicroVmSandbox(String name, VmConfig config, Vmm vmm, Optional<VmNetwork> network,
            List<PublishedPort> ports, InstantSource clock, Consumer<MicroVmSandbox> onClose, Launcher launcher,
            ConsoleJob cloneJob) {
        this.launcher = launcher;
        this.cloneJob = cloneJob;
        this.name = name;
        this.config = config;
        this.vmm = vmm;
        this.network = network;
        this.ports = List.copyOf(ports);
        this.clock = clock;
        this.onClose = onClose;
    }

    /**
     * A VM for {@code job} that {@code restore} starts from a template's saved state (no NIC: templates are kept for
     * network none only); not started.
     */
    static MicroVmSandbox clone(String name, VmConfig config, Vmm vmm, InstantSource clock,
            Consumer<MicroVmSandbox> onClose, Launcher restore, ConsoleJob job) {
        return new MicroVmSandbox(name, config, vmm, Optional.empty(), List.of(), clock, onClose, restore, job);
    }

    @Override
    public String id() {
        return config.id();
    }

    /** True once a warm pool assigned this waiting VM its job ({@link #assign}). */
    @Override
    public boolean pooled() {
        return job != null;
    }

    /** {@code template} for a VM restored from a saved template, else as {@link Sandbox#origin()}. */
    @Override
    public String origin() {
        return cloneJob != null ? "template" : Sandbox.super.origin();
    }

    /** The VM's configuration: its run folder, drives and NIC. */
    public VmConfig config() {
        return config;
    }

    /** The VM process, once started. */
    public Optional<VmProcess> process() {
        return Optional.ofNullable(process);
    }

    @Override
    public void start(LogSink sink) throws SandboxException {
        if (process != null) {
            throw new IllegalStateException("sandbox " + name + " was already started");
        }
        this.sink = sink;
        if (idle != null) {
            startPooled();
            return;
        }
        publishPorts();
        startNanos = System.nanoTime();
        try {
            process = launcher.launch(config, new GuestFrames(new Listener()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while starting microVM " + name, e);
        }
        if (cloneJob != null) {
            // restored where its template waited for a job: up and waiting, though it says neither again
            readyNanos = startNanos;
            ready.countDown();
            waiting.countDown();
            byte[] seed = new byte[64];
            SEEDS.nextBytes(seed);
            send(cloneJob.asClone(clock.millis(), seed), "clone");
        }
    }

    /**
     * Launches a VM made for a warm pool (its config drive says so); its guest init sets up and waits for a job.
     * Output before the job is console text only.
     */
    void launchForPool() throws SandboxException, InterruptedException {
        launchForPool(launcher);
    }

    /** As {@link #launchForPool()}, launched by {@code with} (a template's, whose state can be saved). */
    void launchForPool(Launcher with) throws SandboxException, InterruptedException {
        if (idle != null || process != null) {
            throw new IllegalStateException("microVM " + name + " was already launched");
        }
        idle = with.launch(config, new GuestFrames(new Listener()));
    }

    /** A pooled VM's process while it waits for its job. */
    Optional<VmProcess> idleProcess() {
        return Optional.ofNullable(idle);
    }

    /** Waits up to {@code timeout} for a pooled VM's init to say it waits for its job; false when it did not. */
    boolean awaitWaiting(Duration timeout) throws InterruptedException {
        return waiting.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether this pooled VM waits for a job and can take one: it said so, has none yet and still runs. */
    boolean waitsForJob() throws InterruptedException {
        VmProcess p = idle;
        return p != null && job == null && !closed.get() && waiting.getCount() == 0
                && p.awaitExit(Duration.ZERO).isEmpty();
    }

    /**
     * Gives a waiting pooled VM its one job: {@link #start} sends it. A VM is assigned once and never again.
     *
     * @throws IllegalStateException when this VM is not pooled or already has a job
     */
    synchronized void assign(String jobName, ConsoleJob consoleJob) {
        if (idle == null || job != null) {
            throw new IllegalStateException("microVM " + config.id() + " is not a pooled VM waiting for a job");
        }
        this.name = jobName;
        this.job = consoleJob;
    }

    /** Sends the assigned job to the waiting guest init, which starts it; the VM becomes this job's. */
    private void startPooled() throws SandboxException {
        ConsoleJob j = job;
        if (j == null) {
            throw new IllegalStateException("pooled microVM " + config.id() + " was started without a job");
        }
        startNanos = System.nanoTime();
        process = idle;
        send(j, "pooled");
    }

    private void send(ConsoleJob j, String kind) throws SandboxException {
        OutputStream in = process.consoleInput();
        try {
            synchronized (in) {
                in.write(j.bytes()); // secrets: never in a message or log, as the exception below shows
                in.flush();
            }
        } catch (IOException e) {
            throw new SandboxException("cannot hand job " + name + " to " + kind + " microVM " + config.id()
                    + " over its console (" + e.getClass().getSimpleName() + "); it may have exited; console: "
                    + consoleTail(), e);
        }
    }

    /**
     * Waits until the guest init is up (its ready frame), the point the {@code vm-boot} benchmark measures.
     *
     * @return the time from {@link #start} to the ready frame (zero for a pooled VM, up before its job), or empty
     *     when it did not come within {@code timeout}
     */
    public Optional<Duration> awaitReady(Duration timeout) throws InterruptedException {
        if (!ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(Math.max(0, readyNanos - startNanos))); // a pooled VM was up before
    }

    @Override
    public Optional<ExitStatus> await(Duration timeout) throws SandboxException, InterruptedException {
        VmProcess p = started();
        if (p.awaitExit(timeout).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(outcome());
    }

    /** The job's exit as the guest reported it; the VM process has ended and its console is fully read. */
    private ExitStatus outcome() throws SandboxException {
        ExitStatus status = jobExit.getNow(null);
        if (status != null) {
            return status;
        }
        String why = failure != null ? "the guest init could not run the job: " + failure
                : "the microVM ended without reporting the job's exit";
        throw new SandboxException(why + " (sandbox " + name + "; console: " + consoleTail() + ")");
    }

    @Override
    public ExitStatus stop(Duration grace) throws SandboxException, InterruptedException {
        VmProcess p = started();
        if (p.awaitExit(Duration.ZERO).isEmpty()) {
            try {
                request("t");
            } catch (SandboxException e) {
                log.debug("microVM {} did not take the stop request: {}", name, e.getMessage()); // it is ending
            }
            try {
                p.powerDown(); // for guests whose kernel handles the ACPI power button; Hearth's init needs "t"
            } catch (SandboxException | UnsupportedOperationException e) {
                log.debug("power-down request to microVM {} failed: {}", name, e.getMessage());
            }
            if (p.awaitExit(grace).isEmpty()) {
                p.kill();
                p.awaitExit(Duration.ofSeconds(10));
                jobExit.complete(new ExitStatus(KILLED, false, clock.instant()));
            }
        }
        ExitStatus status = jobExit.getNow(null);
        return status != null ? status : new ExitStatus(KILLED, false, clock.instant());
    }

    @Override
    public ExecResult exec(List<String> command, Duration timeout) throws SandboxException, InterruptedException {
        started();
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return new ExecResult(-1, "", "microVM " + name + " was not up within " + timeout);
        }
        int id = execIds.incrementAndGet();
        Exec exec = new Exec();
        execs.put(id, exec);
        try {
            StringBuilder script = new StringBuilder("exec");
            command.forEach(a -> script.append(' ').append(ConfigDrive.quote(a)));
            request("x " + id + " " + Base64.getEncoder().encodeToString(
                    script.toString().getBytes(StandardCharsets.UTF_8)));
            long code = exec.exit.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return new ExecResult(code, exec.out(LogSink.Stream.STDOUT), exec.out(LogSink.Stream.STDERR));
        } catch (TimeoutException e) {
            return new ExecResult(-1, exec.out(LogSink.Stream.STDOUT), exec.out(LogSink.Stream.STDERR));
        } catch (ExecutionException e) {
            throw new SandboxException("exec in microVM " + name + " failed: " + e.getCause().getMessage(),
                    e.getCause());
        } finally {
            execs.remove(id);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A microVM's published port is a {@link LoopbackProxy} on {@code 127.0.0.1} (the port the spec asked for, or
     * an ephemeral one) forwarding to the guest's address on Hearth's bridge, opened at {@link #start} and closed at
     * {@link #close()}. Empty for a port the spec did not publish, before start, and for a VM without a NIC.
     */
    @Override
    public Optional<InetSocketAddress> endpoint(int guestPort) {
        return Optional.ofNullable(proxies.get(guestPort))
                .map(p -> new InetSocketAddress(LoopbackProxy.LOOPBACK, p.port()));
    }

    /** One loopback proxy per published port, before the VM starts, so a taken host port fails the start cleanly. */
    private void publishPorts() throws SandboxException {
        VmNic nic = config.nic().orElse(null);
        if (nic == null) {
            return; // the driver refuses published ports without a NIC; nothing to reach
        }
        for (PublishedPort p : ports) {
            try {
                proxies.put(p.guestPort(), LoopbackProxy.start(LoopbackProxy.LOOPBACK, p.hostPort(),
                        nic.guestAddress(), p.guestPort(), PROXY_CONNECT_TIMEOUT));
            } catch (IOException e) {
                proxies.values().forEach(LoopbackProxy::close);
                proxies.clear();
                throw new SandboxException("cannot publish port " + p.guestPort() + " of microVM " + name + " ("
                        + nic.guestAddress() + "): " + e.getMessage(), e);
            }
        }
    }

    /** Sends one request line to the guest init over the serial console. */
    private void request(String line) throws SandboxException {
        OutputStream in = started().consoleInput();
        try {
            synchronized (in) {
                in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                in.flush();
            }
        } catch (IOException e) {
            throw new SandboxException("cannot reach the guest init of microVM " + name + " (" + e.getMessage()
                    + "); it may have exited", e);
        }
    }

    private VmProcess started() {
        VmProcess p = process;
        if (p == null) {
            throw new IllegalStateException("sandbox " + name + " was not started");
        }
        return p;
    }

    /** The last console text (kernel messages), for error messages. */
    public String consoleTail() {
        synchronized (console) {
            return console.isEmpty() ? "(nothing)" : String.join(" | ", console);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            proxies.values().forEach(LoopbackProxy::close);
            VmProcess p = process != null ? process : idle;
            if (p != null) {
                p.close();
            }
            execs.values().forEach(e -> e.exit.completeExceptionally(new SandboxException("the microVM was closed")));
            config.nic().ifPresent(nic -> network.ifPresent(n -> n.detach(nic)));
            removeRunDir(config.runDir());
        } finally {
            onClose.accept(this);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes a VM's run folder and everything in it (config drive with secrets, rootfs copy, sockets). */
    static void removeRunDir(Path runDir) {
        try {
            ContentCache.deleteTree(runDir);
        } catch (IOException e) {
            log.error("could not remove the run folder {} of a microVM: {}", runDir, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "MicroVmSandbox[" + name + " " + config.id() + "]";
    }

    /** Output and exit of one exec, filled by the console thread. */
    private static final class Exec {
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private final CompletableFuture<Long> exit = new CompletableFuture<>();

        synchronized void add(LogSink.Stream stream, byte[] bytes) {
            (stream == LogSink.Stream.STDERR ? stderr : stdout).writeBytes(bytes);
        }

        synchronized String out(LogSink.Stream stream) {
            return (stream == LogSink.Stream.STDERR ? stderr : stdout).toString(StandardCharsets.UTF_8);
        }
    }

    /** Routes the guest's frames; runs on the console thread. */
    private final class Listener implements GuestFrames.Listener {

        @Override
        public void ready() {
            readyNanos = System.nanoTime();
            ready.countDown();
        }

        @Override
        public void waiting() {
            waiting.countDown();
        }

        @Override
        public void output(int id, LogSink.Stream stream, byte[] bytes) {
            if (id == 0) {
                sink.accept(stream, bytes, 0, bytes.length);
            } else {
                Exec e = execs.get(id);
                if (e != null) {
                    e.add(stream, bytes);
                }
            }
        }

        @Override
        public void exit(int id, long code, boolean oomKilled) {
            if (id == 0) {
                jobExit.complete(new ExitStatus(code, oomKilled, clock.instant()));
            } else {
                Exec e = execs.get(id);
                if (e != null) {
                    e.exit.complete(code);
                }
            }
        }

        @Override
        public void failed(String message) {
            failure = message;
        }

        @Override
        public void console(String line) {
            log.trace("console of {}: {}", name, line);
            synchronized (console) {
                console.addLast(line);
                consoleChars += line.length();
                while (consoleChars > CONSOLE_KEEP && console.size() > 1) {
                    consoleChars -= console.removeFirst().length();
                }
            }
        }
    }

}
