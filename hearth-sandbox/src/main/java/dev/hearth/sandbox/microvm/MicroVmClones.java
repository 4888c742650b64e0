// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.OwnerProcess;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.qemu.QemuProcess;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU microVMs started from saved templates instead of booted. Per {@link VmPoolKey} (image, limits, user, /tmp),
 * one VM is booted as a warm pool's is (its config drive carries the key's settings only; its init sets up and says
 * it waits for a job), then saved ({@link QemuVmm#saveAndQuit}: {@code snapshot-save} into a state image) and ended.
 * Each later job of that key gets a VM of its own restored from a private copy of that state
 * ({@link QemuVmm#restore}): it goes on waiting for its job where the template was saved, and gets the job over the
 * console as a pooled VM does ({@link ConsoleJob}), preceded by a fresh seed and the time, so no two VMs share the
 * template's kernel random state or its clock; its host name is the job's. A VM serves one job: closing it kills it
 * and removes its run folder, state copy included.
 *
 * <p>A template is made in the background when its key is first asked for ({@link #prepare}, or a {@link #create}
 * that then starts cold); until it is ready, and for a job that cannot be started this way (network other than
 * none, published ports, a writable or resized root, files over {@value MicroVmWarmPools#MAX_CONSOLE_FILE_BYTES}
 * bytes, no command), {@link #create} makes a cold VM. A template that could not be made is tried again at the next
 * ask after {@link #RETRY_AFTER}. A template no job asked for within the idle limit (the operator's
 * {@code --pool-idle}) is removed, and made again at the next ask. Templates live in the run root ({@code tpl-*},
 * with an owner record, so a dead process's are reaped as its VMs are), hold no secret (the job's part never reaches
 * them), and are removed at {@link #close}, which also closes the driver. A clone links the template's files it
 * reads, so removing a template never disturbs a VM made from it. Thread-safe.
 */
public final class MicroVmClones implements SandboxDriver {

    /** How long a template VM may take to boot and say it waits; TCG boots in about 3.4 s on an idle host. */
    static final Duration BOOT_LIMIT = Duration.ofSeconds(90);
    /** How long saving a template may take. */
    static final Duration SAVE_LIMIT = Duration.ofSeconds(60);
    /** After a failed template, the wait before its key is tried again. */
    static final Duration RETRY_AFTER = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(MicroVmClones.class);

    private final MicroVmDriver cold;
    private final QemuVmm qemu;
    private final Map<VmPoolKey, CompletableFuture<Optional<Template>>> templates = new ConcurrentHashMap<>();
    private final Map<VmPoolKey, Long> failedAt = new ConcurrentHashMap<>();
    private final Duration idleLimit;
    /** Makes templates one at a time and removes idle ones. */
    private final ScheduledExecutorService maker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hearth-vm-templates");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A saved template: the machine and drives its clones get, its state image, and the folder holding both files.
     *
     * @param dir the template's folder in the run root
     * @param config the machine (vCPUs, memory, kernel, boot arguments) and drives (the shared read-only root, the
     *     template's config drive copied into {@code dir}) every clone gets; its id and run folder are the template's
     * @param state the qcow2 state image holding the saved VM
     * @param lastUsed {@link System#nanoTime()} of the last ask for it
     * @param users creates between taking it and having linked its files (it is not removed while any is)
     */
    record Template(Path dir, VmConfig config, Path state, AtomicLong lastUsed, AtomicInteger users) {
    }

    MicroVmClones(MicroVmDriver cold, QemuVmm qemu, Duration idleLimit) {
        this.cold = cold;
        this.qemu = qemu;
        this.idleLimit = idleLimit;
        long every = Math.clamp(idleLimit.toMillis() / 2, 500, 60_000);
        maker.scheduleWithFixedDelay(this::removeIdle, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return cold.name();
    }

    @Override
    public Set<DriverCapability> capabilities() {
        return cold.capabilities();
    }

    /**
     * Why {@code spec} cannot start from a template (it then starts cold), or empty when it can.
     */
    public Optional<String> unclonable(SandboxSpec spec) {
        Optional<String> why = dev.hearth.sandbox.pool.WarmPools.unpoolable(spec);
        if (why.isPresent()) {
            return why;
        }
        if (spec.command().isEmpty()) {
            return Optional.of("a job without a command");
        }
        long files = MicroVmWarmPools.fileBytes(spec);
        if (files > MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES) {
            return Optional.of("files of " + files + " bytes, over the console's "
                    + MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES);
        }
        try {
            if (cold.plan(spec).diskBytes().isPresent()) {
                return Optional.of("a writable or resized root (each VM needs its own copy of the disk)");
            }
        } catch (SandboxException | RuntimeException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /** Starts making the template of {@code like}'s key in the background, unless there is one. */
    public void prepare(SandboxSpec like) {
        Optional<String> why = unclonable(like);
        if (why.isPresent()) {
            throw new IllegalArgumentException("cannot start " + like.name() + " from a template: " + why.get());
        }
        take(VmPoolKey.of(like).orElseThrow(), false);
    }

    /** Waits up to {@code limit} for the template of {@code like}'s key (asking for it); true when it is ready. */
    public boolean awaitTemplate(SandboxSpec like, Duration limit) throws InterruptedException {
        prepare(like);
        CompletableFuture<Optional<Template>> f = templates.get(VmPoolKey.of(like).orElseThrow());
        try {
            return f != null && f.get(limit.toNanos(), TimeUnit.NANOSECONDS).isPresent();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        if (unclonable(spec).isPresent()) {
            return cold.create(spec);
        }
        Optional<Template> t = take(VmPoolKey.of(spec).orElseThrow(), true);
        if (t.isEmpty() || closed.get()) {
            t.ifPresent(used -> used.users().decrementAndGet());
            log.debug("no template ready for {}; making it cold", spec.name());
            return cold.create(spec);
        }
        try {
            return cold.createClone(spec, t.get(), ConsoleJob.of(spec, MicroVmDriver.vmId(spec.name())));
        } finally {
            t.get().users().decrementAndGet();
        }
    }

    /**
     * Asks for the template of {@code key} (made, being made, or made again after a failure's wait or its removal):
     * the template when it is ready, counted as used now, and when {@code hold} with one more user, which the
     * caller gives back once it no longer reads the template's files.
     */
    private Optional<Template> take(VmPoolKey key, boolean hold) {
        List<Template> taken = new ArrayList<>(1);
        templates.compute(key, (k, f) -> {
            CompletableFuture<Optional<Template>> now = f;
            if (f == null || f.isDone() && f.getNow(Optional.empty()).isEmpty() && retryDue(k)) {
                now = make(k);
            }
            now.getNow(Optional.empty()).ifPresent(t -> {
                t.lastUsed().set(System.nanoTime());
                if (hold) {
                    t.users().incrementAndGet();
                }
                taken.add(t);
            });
            return now;
        });
        return taken.stream().findFirst();
    }

    /** A template of {@code key} being made in the background (none after close). */
    private CompletableFuture<Optional<Template>> make(VmPoolKey key) {
        if (closed.get()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        CompletableFuture<Optional<Template>> made = new CompletableFuture<>();
        try {
            maker.execute(() -> makeInto(key, made));
        } catch (RejectedExecutionException e) { // closed meanwhile
            made.complete(Optional.empty());
        }
        return made;
    }

    /** Removes each ready template nobody asked for within the idle limit and nobody is taking now. */
    private void removeIdle() {
        long now = System.nanoTime();
        for (VmPoolKey key : List.copyOf(templates.keySet())) {
            List<Template> gone = new ArrayList<>(1);
            templates.computeIfPresent(key, (k, f) -> {
                Optional<Template> t = f.getNow(Optional.empty());
                if (t.isPresent() && t.get().users().get() == 0
                        && now - t.get().lastUsed().get() > idleLimit.toNanos()) {
                    gone.add(t.get());
                    return null;
                }
                return f;
            });
            for (Template t : gone) {
                MicroVmSandbox.removeRunDir(t.dir());
                log.info("microVM template for {} removed: no job asked for it within {}", key.limits(), idleLimit);
            }
        }
    }

    private void makeInto(VmPoolKey key, CompletableFuture<Optional<Template>> made) {
        try {
            Optional<Template> t = makeNow(key);
            if (t.isEmpty()) {
                failedAt.put(key, System.nanoTime());
            }
            made.complete(t);
        } catch (InterruptedException e) {
            made.complete(Optional.empty());
            Thread.currentThread().interrupt();
        }
    }

    private boolean retryDue(VmPoolKey key) {
        Long at = failedAt.get(key);
        return at == null || System.nanoTime() - at > RETRY_AFTER.toNanos();
    }

    /** Boots, saves and ends one template VM of {@code key}; empty when that failed (logged, nothing left). */
    private Optional<Template> makeNow(VmPoolKey key) throws InterruptedException {
        byte[] id = new byte[10];
        ThreadLocalRandom.current().nextBytes(id);
        String hex = HexFormat.of().formatHex(id);
        Path dir = cold.runRoot().resolve("tpl-" + hex);
        MicroVmSandbox vm = null;
        long t0 = System.nanoTime();
        try {
            cold.makeRunDir(dir.getFileName().toString());
            new OwnerRecord(OwnerProcess.current(), Optional.empty()).write(dir);
            Path state = dir.resolve("state.qcow2");
            vm = cold.createPooled(key.holderSpec("hearth-tpl-" + hex));
            vm.launchForPool((c, console) -> qemu.launchSaveable(c, state, console));
            if (!vm.awaitWaiting(BOOT_LIMIT)) {
                throw new SandboxException("the template VM did not say it waits for a job within "
                        + BOOT_LIMIT.toSeconds() + " s (console: " + vm.consoleTail() + ")");
            }
            List<VmDrive> drives = new ArrayList<>();
            for (VmDrive d : vm.config().drives()) {
                if (d.root()) {
                    drives.add(d); // the image's own root, shared read-only
                } else {
                    Path copy = dir.resolve(d.id() + ".img");
                    Files.copy(d.path(), copy); // the config drive: the key's settings, no secret
                    drives.add(new VmDrive(d.id(), copy, false, true));
                }
            }
            qemu.saveAndQuit((QemuProcess) vm.idleProcess().orElseThrow(), vm.id(), SAVE_LIMIT);
            VmConfig c = vm.config();
            Template t = new Template(dir, new VmConfig(c.id(), c.vcpus(), c.memoryMib(), c.kernel(), c.initrd(),
                    c.bootArgs(), drives, Optional.empty(), dir), state, new AtomicLong(System.nanoTime()),
                    new AtomicInteger());
            log.info("microVM template for {} saved in {} ms ({} MiB of state)", key.limits(),
                    (System.nanoTime() - t0) / 1_000_000, Files.size(state) >> 20);
            return Optional.of(t);
        } catch (IOException | RuntimeException e) {
            log.warn("could not make a microVM template for {}: {}", key.limits(), e.getMessage());
            MicroVmSandbox.removeRunDir(dir);
            return Optional.empty();
        } catch (InterruptedException e) {
            MicroVmSandbox.removeRunDir(dir);
            throw e;
        } finally {
            if (vm != null) {
                vm.close();
            }
        }
    }

    /** Templates saved and ready now. */
    public int templatesReady() {
        return (int) templates.values().stream().filter(f -> f.getNow(Optional.empty()).isPresent()).count();
    }

    @Override
    public void ping() throws SandboxException {
        cold.ping();
    }

    /** Stops making templates, removes every template, then closes the driver (every VM it still holds). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        maker.shutdownNow();
        try {
            if (!maker.awaitTermination(SAVE_LIMIT.plus(BOOT_LIMIT).toSeconds(), TimeUnit.SECONDS)) {
                log.warn("a microVM template was still being made at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (CompletableFuture<Optional<Template>> f : templates.values()) {
            f.getNow(Optional.empty()).ifPresent(t -> MicroVmSandbox.removeRunDir(t.dir()));
        }
        cold.close();
    }

    @Override
    public String toString() {
        return "MicroVmClones[" + cold.name() + ", " + templatesReady() + " templates]";
    }
}
