// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestWorkload;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Creates one instance, step by step (allocate, disk/image, boot, wait, provision, proxy, health), each shown with
 * its time. Any failure, interrupt included, undoes everything made so far in reverse order (the guest, the
 * proxy, the state folder with its allocation) and says which step failed and why; a retry with the same id then
 * works. Used by one thread per create; concurrent creates are kept apart by the allocation lock.
 */
final class InstanceCreator {

    /** A test-only seam: called before each step; throwing fails the create there. */
    interface Faults {
        Faults NONE = step -> { };

        void before(CreateStep step) throws Exception;
    }

    private final Instances instances;
    private final SecureRandom random;
    private final InstantSource clock;
    private final Faults faults;

    InstanceCreator(Instances instances, SecureRandom random, InstantSource clock, Faults faults) {
        this.instances = instances;
        this.random = random;
        this.clock = clock;
        this.faults = faults;
    }

    InstanceState create(InstanceSpec spec, GuestDriver runtime, StepProgress progress)
            throws InstanceException, InterruptedException {
        Deque<Runnable> undo = new ArrayDeque<>();
        Steps steps = new Steps(progress);
        InstanceState state;
        try {
            steps.begin(CreateStep.ALLOCATE);
            Allocator.Allocation a = new Allocator(instances.store(), instances.settings(), instances.portFree())
                    .allocate(spec, alloc -> initialState(spec, runtime, alloc));
            undo.push(() -> instances.forget(spec.id()));
            state = instances.store().read(spec.id()).orElseThrow();
            instances.store().writeSecrets(spec.id(), new InstanceSecrets(InstanceSecrets.newGatewayToken(random),
                    spec.telegramToken().reveal(), reveal(spec.anthropicApiKey()), reveal(spec.openaiApiKey()),
                    reveal(spec.minimaxApiKey())));
            progress.detail("host port 127.0.0.1:" + a.hostPort() + (a.guestIp() == null ? "" : ", guest " + a.guestIp()));
            steps.next();

            GuestWorkload workload = instances.provisioner().workload(state);
            runtime.prepare(spec, state.guest(), workload, progress);
            steps.next();

            InstanceState made = state;
            undo.push(() -> runtime.remove(made.guest()));
            runtime.create(state.guest(), workload);
            runtime.start(state.guest());
            steps.next();

            instances.awaitGuest(runtime, state, instances.timeouts().guest());
            steps.next();

            instances.provisioner().provision(runtime, state, instances.store().secrets(spec.id()).orElseThrow(),
                    progress);
            steps.next();

            // The supervisor takes over here: it opens the proxy for a RUNNING instance and keeps it running.
            state = state.withDesired(InstanceState.Desired.RUNNING);
            InstanceState handedOver = state;
            // Undone first on failure: the supervisor lets go (closes the proxy, restarts nothing) before the guest goes.
            undo.push(() -> instances.letGo(handedOver));
            instances.store().write(state);
            instances.awaitProxy(state, instances.timeouts().proxy());
            steps.next();

            instances.awaitHealth(state, workload.healthPath(), instances.timeouts().health());
            steps.finish();
            return state;
        } catch (dev.hearth.core.InvalidInputException e) {
            // Bad input (a taken id or port, an exhausted pool) is refused at allocation, before anything is made.
            rollback(undo);
            throw e;
        } catch (InterruptedException e) {
            // A signal to the CLI (SIGTERM, Ctrl-C) or an agent shutting down: undo, and say so, keeping the flag.
            rollback(undo);
            Thread.currentThread().interrupt();
            throw new InstanceException("create of instance '" + spec.id() + "' was interrupted at step "
                    + steps.current.label() + "; everything it made was removed", e);
        } catch (Exception e) {
            rollback(undo);
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new InstanceException("create of instance '" + spec.id() + "' failed at step "
                    + steps.current.label() + ": " + why + "; everything it made was removed", e);
        }
    }

    /** The current step, its start time, and the fault seam before each step. */
    private final class Steps {
        private final StepProgress progress;
        private CreateStep current;
        private long startedNanos;

        Steps(StepProgress progress) {
            this.progress = progress;
        }

        void begin(CreateStep step) throws Exception {
            current = step;
            startedNanos = System.nanoTime();
            progress.step(step.label());
            faults.before(step);
        }

        void next() throws Exception {
            finish();
            begin(CreateStep.values()[current.ordinal() + 1]);
        }

        void finish() {
            progress.stepDone(current.label(), Duration.ofNanos(System.nanoTime() - startedNanos));
        }
    }

    private InstanceState initialState(InstanceSpec spec, GuestDriver runtime, Allocator.Allocation a) {
        String image = spec.openclawImage().orElse(instances.defaultImage());
        return new InstanceState(spec.id(), spec.runtime(), a.hostPort(), a.guestIp(), runtime.guestName(spec.id()),
                image, spec.model(), spec.skills(), spec.telegramUsers(), spec.vcpus(), spec.memoryMib(),
                spec.diskSize().toString(), spec.skipBrowserInstall(), spec.minimaxApiKey().isPresent(),
                InstanceState.Desired.CREATING, clock.instant(),
                spec.allow().stream().map(dev.hearth.core.job.EgressAllow::text).toList());
    }

    private static String reveal(java.util.Optional<dev.hearth.core.job.SecretValue> v) {
        return v.map(dev.hearth.core.job.SecretValue::reveal).orElse(null);
    }

    /** Runs every undo action, newest first, even when one fails; keeps the interrupt flag for the caller. */
    private static void rollback(Deque<Runnable> undo) {
        boolean interrupted = Thread.interrupted();
        try {
            for (Runnable r : List.copyOf(undo)) {
                r.run();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How long create waits for each thing. */
    record Timeouts(Duration guest, Duration proxy, Duration health) {
        static final Timeouts DEFAULT = new Timeouts(Duration.ofMinutes(2), Duration.ofSeconds(30),
                Duration.ofMinutes(4));
    }
}
