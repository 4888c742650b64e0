// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.pool.PoolingDriver;
import dev.hearth.sandbox.pool.WarmPools;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm pools of microVMs, one per {@link VmPoolKey}. A pooled VM is made by the same {@link MicroVmDriver} code as
 * a cold one (run folder, owner record, limits, rootfs) from the key's holder spec, but its config drive carries the
 * key's settings only and tells the guest init to wait; it is launched and kept once its init says it waits (the
 * {@code W} frame). {@link #create} takes one and assigns it the job, whose per-job part (files, environment with
 * secrets, argv, host name) {@link Sandbox#start} sends over the console ({@link ConsoleJob}); from there the job
 * runs as a cold one. No ready VM, a spec that cannot be pooled, or files over {@value #MAX_CONSOLE_FILE_BYTES} bytes
 * in all (the serial console is slow for bulk) gives a cold {@link MicroVmDriver#create}. A VM serves one job and is
 * never put back: closing the sandbox kills it and removes its run folder. Refill, idle limit and drain are
 * {@link WarmPools}'; closing drains every pool, then closes the driver (every VM it still holds). Thread-safe.
 */
final class MicroVmWarmPools extends PoolingDriver<VmPoolKey, MicroVmSandbox> {

    private static final Logger log = LoggerFactory.getLogger(MicroVmWarmPools.class);
    /**
     * Job files larger than this in all go to a cold VM's config drive instead of over the console: the serial line
     * carries about 60 KiB of files a second under TCG (256 KiB took 4.5 s, against a 2.7 s cold start).
     */
    static final long MAX_CONSOLE_FILE_BYTES = 64 * 1024;
    /** How long a pooled VM may take to boot and say it waits; TCG boots in about 3.4 s on an idle host. */
    static final Duration BOOT_LIMIT = Duration.ofSeconds(90);
    /** After a take, the refill waits this long: a VM's boot would otherwise compete with the job's start. */
    static final long REFILL_DELAY_MILLIS = 1000;

    private final MicroVmDriver cold;

    MicroVmWarmPools(MicroVmDriver cold, PoolSettings settings, InstantSource clock) {
        super(cold, "microVM", settings, clock);
        this.cold = cold;
    }

    /** The bytes of {@code spec}'s job files in all, which a pooled or restored VM gets over its console. */
    static long fileBytes(SandboxSpec spec) {
        return spec.files().stream().mapToLong(f -> f.content().length).sum();
    }

    /**
     * The key of {@code spec} (its command, environment and files aside); empty when it cannot be pooled, or when a
     * cold create would refuse its image or limits (it says why).
     */
    @Override
    protected Optional<VmPoolKey> key(SandboxSpec spec) {
        if (fileBytes(spec) > MAX_CONSOLE_FILE_BYTES) {
            return Optional.empty();
        }
        return VmPoolKey.of(spec).filter(k -> refusal(k).isEmpty());
    }

    /** Why a cold create would refuse the key's VM (an image a VM cannot boot, limits it cannot have), or empty. */
    private Optional<String> refusal(VmPoolKey key) {
        try {
            cold.plan(key.holderSpec("hearth-pool-check"));
            return Optional.empty();
        } catch (SandboxException | RuntimeException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    protected boolean alive(MicroVmSandbox vm) {
        try {
            return vm.waitsForJob();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    protected void remove(MicroVmSandbox vm) {
        vm.close();
    }

    @Override
    public void prewarm(SandboxSpec like) {
        Optional<String> why = WarmPools.unpoolable(like).or(() -> refusal(VmPoolKey.of(like).orElseThrow()));
        if (why.isPresent()) {
            throw new IllegalArgumentException("cannot keep a warm pool of microVMs for " + like.image() + ": "
                    + why.get());
        }
        pools.want(VmPoolKey.of(like).orElseThrow(), 0);
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        Optional<VmPoolKey> key = key(spec).filter(pools::pools);
        if (key.isEmpty() || spec.command().isEmpty()) {
            return cold.create(spec);
        }
        ConsoleJob job = ConsoleJob.of(spec, MicroVmDriver.vmId(spec.name()));
        pools.want(key.get(), REFILL_DELAY_MILLIS);
        Optional<MicroVmSandbox> taken = pools.take(key.get());
        if (taken.isEmpty()) {
            log.debug("no warm microVM ready for {}; making {} cold", key.get().limits(), spec.name());
            return cold.create(spec);
        }
        MicroVmSandbox vm = taken.get();
        vm.assign(spec.name(), job);
        log.debug("job {} takes warm microVM {}", spec.name(), vm.id());
        return vm;
    }

    /** One launched VM of {@code key} waiting for its job, or empty when it could not be made (logged). */
    @Override
    protected Optional<MicroVmSandbox> make(VmPoolKey key) throws InterruptedException {
        byte[] id = new byte[10];
        ThreadLocalRandom.current().nextBytes(id);
        MicroVmSandbox vm = null;
        try {
            vm = cold.createPooled(key.holderSpec("hearth-pool-" + HexFormat.of().formatHex(id)));
            vm.launchForPool();
            if (!vm.awaitWaiting(BOOT_LIMIT)) {
                log.warn("warm microVM {} did not say it waits for a job within {} s; removing it (console: {})",
                        vm.id(), BOOT_LIMIT.toSeconds(), vm.consoleTail());
                vm.close();
                return Optional.empty();
            }
            return Optional.of(vm);
        } catch (SandboxException | RuntimeException e) {
            log.warn("could not make a warm microVM for {}: {}", key.limits(), e.getMessage());
            if (vm != null) {
                vm.close();
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            if (vm != null) {
                vm.close(); // made, perhaps launched: never left behind
            }
            throw e;
        }
    }
}
