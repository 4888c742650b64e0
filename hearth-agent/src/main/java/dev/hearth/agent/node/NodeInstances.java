// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import dev.hearth.agent.instances.ImageStorePaths;
import dev.hearth.agent.instances.InstanceException;
import dev.hearth.agent.instances.InstanceState;
import dev.hearth.agent.instances.InstanceView;
import dev.hearth.agent.instances.Instances;
import dev.hearth.agent.instances.CreateStep;
import dev.hearth.agent.instances.StepProgress;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceDocument;
import dev.hearth.core.log.LogFields;
import dev.hearth.core.protocol.AgentMessage;
import dev.hearth.core.protocol.InstanceAction;
import dev.hearth.core.protocol.InstanceCreate;
import dev.hearth.core.protocol.InstanceList;
import dev.hearth.core.protocol.InstanceProgress;
import dev.hearth.core.protocol.InstanceReport;
import dev.hearth.core.protocol.InstanceResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's instances as the coordinator sees them: runs instance commands from the coordinator through the same
 * {@link Instances} path as the CLI (validation, allocation, rollback), answering each with its steps and one
 * result, and reports the instance list when it changes. The list is sampled every {@link #SAMPLE_PERIOD} and right
 * after each command, on a thread of its own (never the heartbeat's, since it asks the engine), and sent only when it
 * differs from the last one sent; {@code register} carries the last sample. Thread-safe.
 */
final class NodeInstances implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeInstances.class);
    /** How often the list is sampled for changes. */
    static final Duration SAMPLE_PERIOD = Duration.ofSeconds(2);

    private final Instances instances;
    private final Consumer<AgentMessage> send;
    private final Supplier<String> nodeId;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hearth-instance-report").daemon().factory());
    private final ExecutorService commands = Executors.newVirtualThreadPerTaskExecutor();
    private final java.util.function.BiConsumer<String, java.time.Duration> vmBoot;
    private volatile List<InstanceReport> last = List.of();
    private volatile List<InstanceReport> sent;

    /**
     * @param send sends a message to the coordinator (dropped while disconnected)
     * @param nodeId the node id once registered, else null (nothing is reported before)
     * @param vmBoot hears how long each created guest took to boot and answer (its boot and wait steps), by runtime
     */
    NodeInstances(Instances instances, Consumer<AgentMessage> send, Supplier<String> nodeId,
            java.util.function.BiConsumer<String, java.time.Duration> vmBoot) {
        this.vmBoot = vmBoot;
        this.instances = instances;
        this.send = send;
        this.nodeId = nodeId;
    }

    /** Takes a first sample and starts sampling. */
    void start() {
        last = sample().orElse(List.of());
        sampler.scheduleWithFixedDelay(this::report, SAMPLE_PERIOD.toMillis(), SAMPLE_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The list for {@code register}; what it carries counts as sent. */
    List<InstanceReport> forRegister() {
        sent = last;
        return last;
    }

    /** Samples the list and sends it if it changed since it was last sent. */
    private synchronized void report() {
        try {
            Optional<List<InstanceReport>> now = sample();
            if (now.isEmpty()) {
                return;
            }
            last = now.get();
            String id = nodeId.get();
            if (id != null && !now.get().equals(sent)) {
                sent = now.get();
                send.accept(new InstanceList(id, now.get()));
            }
        } catch (RuntimeException e) {
            log.error("reporting instances failed", e);
        }
    }

    /** The list now, or empty when the state folder could not be read (the last list stands). */
    private Optional<List<InstanceReport>> sample() {
        try {
            return Optional.of(instances.list().stream().map(NodeInstances::report).toList());
        } catch (IOException | RuntimeException e) {
            log.warn("cannot list the instances of {}: {}", instances.store().root(), e.getMessage());
            return Optional.empty();
        }
    }

    /** One instance as the protocol reports it: no secret, no token. */
    static InstanceReport report(InstanceView v) {
        return v.protocolReport();
    }

    /** Runs a create on a thread of its own; answers with steps and a result. */
    void create(InstanceCreate c) {
        String node = nodeId.get();
        commands.submit(() -> {
            try (var fields = LogFields.instance(node, c.instance() == null ? null : c.instance().id())) {
                runCreate(c);
            }
        });
    }

    private void runCreate(InstanceCreate c) {
        String id = c.instance() == null ? null : c.instance().id();
        InstanceResult result;
        try {
            if (c.instance() == null) {
                throw new InvalidInputException("instance", null, "an instance document");
            }
            // a remote caller names host files only inside the image store; the CLI keeps the user's own paths
            var spec = ImageStorePaths.confine(c.instance().toSpec(), instances.baseImagesDir());
            // as for jobs: a node never opens its own private ranges to a request from the network
            new dev.hearth.core.job.NetworkPolicy(dev.hearth.core.job.NetworkMode.NAT, spec.allow())
                    .checkFromNetwork("--allow");
            log.info("creating instance '{}' for the coordinator (request {})", id, c.requestId());
            InstanceState made = instances.create(spec, progress(c.requestId(),
                    spec.runtime().name().toLowerCase(java.util.Locale.ROOT)));
            result = InstanceResult.done(c.requestId(), id, current(made.id()));
        } catch (InvalidInputException e) {
            InvalidInputException named = e.renamed(InstanceDocument.field(e.field()));
            result = InstanceResult.failed(c.requestId(), id, "invalid_input", named.field(), named.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = InstanceResult.failed(c.requestId(), id, "failed", null, "the agent stopped during create");
        } catch (IOException | RuntimeException e) {
            result = InstanceResult.failed(c.requestId(), id, "failed", null, String.valueOf(e.getMessage()));
        }
        finish(result);
    }

    /**
     * Runs start, stop, restart, pause, resume or destroy on a thread of its own, answering with steps and a result;
     * or reads the tail of the guest's output for {@link InstanceAction#LOGS}. Pause and resume are the local
     * {@code hearth instance pause|resume}: the supervisor sees the instance paused and holds its port with a wake
     * listener, and a runtime that cannot pause refuses by name ({@code failed}, nothing changed).
     */
    void act(InstanceAction a) {
        String node = nodeId.get();
        commands.submit(() -> {
            try (var fields = LogFields.instance(node, a.instanceId())) {
                if (InstanceAction.LOGS.equals(a.action())) {
                    send.accept(tail(a));
                } else {
                    runAction(a);
                }
            }
        });
    }

    private void runAction(InstanceAction a) {
        InstanceResult result;
        try {
            if (!InstanceAction.ACTIONS.contains(a.action())) {
                throw new InvalidInputException("action", a.action(), "one of " + InstanceAction.ACTIONS);
            }
            if (instances.store().read(dev.hearth.core.instance.InstanceSpec.checkId(a.instanceId())).isEmpty()) {
                finish(InstanceResult.failed(a.requestId(), a.instanceId(), "unknown_instance", null,
                        "no instance '" + a.instanceId() + "' on this node"));
                return;
            }
            StepProgress progress = progress(a.requestId(), null);
            switch (a.action()) {
                case "start" -> instances.start(a.instanceId(), progress);
                case "stop" -> instances.stop(a.instanceId(), progress);
                case "restart" -> instances.restart(a.instanceId(), progress);
                case "pause" -> instances.pause(a.instanceId(), progress);
                case "resume" -> instances.resume(a.instanceId(), progress);
                default -> instances.destroy(a.instanceId(), progress);
            }
            log.info("instance '{}' {} for the coordinator (request {})", a.instanceId(), a.action(), a.requestId());
            result = InstanceResult.done(a.requestId(), a.instanceId(),
                    a.action().equals("destroy") ? null : current(a.instanceId()));
        } catch (InvalidInputException e) {
            result = InstanceResult.failed(a.requestId(), a.instanceId(), "invalid_input", e.field(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = InstanceResult.failed(a.requestId(), a.instanceId(), "failed", null, "the agent stopped during "
                    + a.action());
        } catch (InstanceException e) {
            result = InstanceResult.failed(a.requestId(), a.instanceId(), "failed", null, e.getMessage());
        } catch (IOException | RuntimeException e) {
            result = InstanceResult.failed(a.requestId(), a.instanceId(), "failed", null, a.action() + " of '"
                    + a.instanceId() + "' failed: " + e.getMessage());
        }
        finish(result);
    }

    /**
     * The last {@link InstanceAction#LOG_LINES} lines of the guest's output, at most {@link InstanceAction#LOG_BYTES}
     * bytes (the newest), read once without following. Changes nothing, so the instance list is not sampled again.
     */
    private InstanceResult tail(InstanceAction a) {
        try {
            String id = dev.hearth.core.instance.InstanceSpec.checkId(a.instanceId());
            if (instances.store().read(id).isEmpty()) {
                return InstanceResult.failed(a.requestId(), a.instanceId(), "unknown_instance", null,
                        "no instance '" + a.instanceId() + "' on this node");
            }
            LogTail tail = new LogTail(InstanceAction.LOG_BYTES);
            instances.logs(id, false, InstanceAction.LOG_LINES, false, tail);
            String text = tail.text();
            log.info("sent the log tail of instance '{}' to the coordinator (request {}, {} chars{})", id,
                    a.requestId(), text.length(), tail.cut() ? ", older output cut" : "");
            return InstanceResult.log(a.requestId(), id, text);
        } catch (InvalidInputException e) {
            return InstanceResult.failed(a.requestId(), a.instanceId(), "invalid_input", e.field(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return InstanceResult.failed(a.requestId(), a.instanceId(), "failed", null,
                    "the agent stopped while reading the log of '" + a.instanceId() + "'");
        } catch (IOException | RuntimeException e) {
            log.warn("reading the log of instance '{}' failed (request {}): {}", a.instanceId(), a.requestId(),
                    e.getMessage());
            return InstanceResult.failed(a.requestId(), a.instanceId(), "failed", null, "reading the log of '"
                    + a.instanceId() + "' failed: " + e.getMessage());
        }
    }

    private InstanceReport current(String id) throws IOException {
        return report(instances.status(id));
    }

    private void finish(InstanceResult result) {
        if (!result.ok()) {
            log.warn("instance request {} for '{}' failed: {}", result.requestId(), result.instanceId(),
                    result.message());
        }
        send.accept(result);
        report(); // the list changed, most likely: say so now rather than at the next sample
    }

    private StepProgress progress(String requestId, String runtime) {
        return new StepProgress() {
            private java.time.Duration boot = java.time.Duration.ZERO;

            @Override
            public void step(String name) {
                send.accept(new InstanceProgress(requestId, name));
            }

            @Override
            public void stepDone(String name, java.time.Duration took) {
                if (CreateStep.BOOT.label().equals(name)) {
                    boot = took;
                } else if (CreateStep.WAIT.label().equals(name) && runtime != null) {
                    vmBoot.accept(runtime, boot.plus(took));
                }
            }

            @Override
            public void done(String summary) {
            }
        };
    }

    /** Stops sampling and interrupts running commands (a create rolls back). */
    @Override
    public void close() {
        sampler.shutdownNow();
        commands.shutdownNow();
    }
}
