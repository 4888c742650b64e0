// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.jobs.Cancellation;
import dev.hearth.agent.jobs.InputBlobs;
import dev.hearth.agent.jobs.NodeHttp;
import dev.hearth.agent.jobs.OutputUploads;
import dev.hearth.agent.jobs.JobRunner;
import dev.hearth.agent.jobs.OutputListing;
import dev.hearth.agent.link.Backoff;
import dev.hearth.agent.link.CoordinatorLink;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.protocol.Ack;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.GpuReport;
import dev.hearth.core.log.LogFields;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.MessageTypes;
import dev.hearth.core.protocol.Hello;
import dev.hearth.core.protocol.InstanceAction;
import dev.hearth.core.protocol.InstanceCreate;
import dev.hearth.core.protocol.InstanceResult;
import dev.hearth.core.protocol.HostInfo;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.JobStarted;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.protocol.LeaseRef;
import dev.hearth.core.protocol.Ping;
import dev.hearth.core.protocol.Pong;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.Register;
import dev.hearth.core.protocol.Registered;
import dev.hearth.core.protocol.ResultAck;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ResourceUsage;
import dev.hearth.core.units.DurationText;
import dev.hearth.core.trace.Traceparent;
import dev.hearth.sandbox.Outputs;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host agent: keeps a link to the coordinator, registers with its token and key, heartbeats on its own thread
 * (never behind sandbox work), runs offered jobs concurrently up to its slots, and reports each result through a
 * durable outbox that is emptied only as the coordinator acknowledges. On {@link #drain} it stops taking jobs, lets
 * running ones finish for a grace period, then cancels the rest and reports them.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    /** Silence after which the link is dropped and made again, in heartbeat intervals (each heartbeat is acked). */
    private static final int SILENT_INTERVALS = 3;
    /** The largest uploaded input this node fetches (the coordinator's default --blob-max-size). */
    private static final long MAX_INPUT_BLOB_BYTES = 1L << 30;
    /** Live output is queued on the link only while fewer characters than this wait to go out. */
    private static final long LIVE_BACKLOG_CHARS = 512 * 1024;

    private final AgentConfig config;
    /** The drivers of the runtimes this node offers, by runtime name ({@code docker}, {@code qemu}, ...). */
    private final Map<String, SandboxDriver> drivers;
    private final Map<String, JobRunner> runners;
    /** Fetches and checks the uploaded inputs a job names before it runs. */
    private final InputBlobs inputs;
    /** Sends the files jobs left in /job/out to the coordinator before their results. */
    private final OutputUploads outputs;
    /** Where the runner copies a job's outputs while hashing them, one folder per job and epoch. */
    private final java.nio.file.Path outputCopies;
    private final NodeIdentity identity;
    /** Refusals that only mean the lease moved on; other refusals keep the result in the dead-letter folder. */
    private static final Set<String> LEASE_RACES = Set.of(ErrorCode.STALE_LEASE.wireName(),
            ErrorCode.ALREADY_FINAL.wireName(), ErrorCode.NOT_YOUR_JOB.wireName());

    private final Outbox outbox;
    private final HostInfo host;
    private final Capacity capacity;
    private final InstantSource clock;
    private final CoordinatorLink link;
    private final AgentMetrics metrics;
    /** This host's instances as the coordinator sees and commands them, or null when the agent runs none. */
    private final NodeInstances instances;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final ExecutorService jobs = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hearth-heartbeat").daemon().factory());
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Instant startedAt;
    private volatile String nodeId;
    private volatile boolean registered;
    private volatile Duration heartbeatInterval;
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile long nextHeartbeatNanos;
    /** When the heartbeat now awaiting its ack was sent (System.nanoTime), 0 when none is. */
    private volatile long heartbeatSentNanos;
    private volatile String lastRefusal;

    /** A job running here under a lease. */
    private record Running(long epoch, JobSpec spec, JobOffer.WireJobSpec ran, Cancellation cancel,
            AtomicBoolean discard, LiveOutput live, String traceId, String runtime) {
    }

    /**
     * @param config settings
     * @param driver the sandbox driver jobs run on (the agent closes it)
     * @param identity the node key
     * @param outbox the durable result outbox
     * @param host the host's facts
     * @param clock the time source of results and heartbeats
     */
    public NodeAgent(AgentConfig config, SandboxDriver driver, NodeIdentity identity, Outbox outbox, HostInfo host,
            InstantSource clock) {
        this(config, driver, identity, outbox, host, clock, null);
    }

    /**
     * An agent that also reports this host's instances to the coordinator and runs its instance commands.
     *
     * @param instances the host's instances (the same state root the supervisor keeps), or null for none
     */
    public NodeAgent(AgentConfig config, SandboxDriver driver, NodeIdentity identity, Outbox outbox, HostInfo host,
            InstantSource clock, dev.hearth.agent.instances.Instances instances) {
        this(config, Map.of(JobOffer.DEFAULT_RUNTIME, driver), identity, outbox, host, clock, instances);
    }

    /**
     * An agent running each job in the driver of the runtime its offer names ({@link JobOffer#DEFAULT_RUNTIME} when
     * it names none); an offer for a runtime not among {@code drivers} is refused with an error result.
     *
     * @param drivers the drivers of the runtimes this node offers, by runtime name, never empty (the agent closes
     *     them)
     */
    public NodeAgent(AgentConfig config, Map<String, SandboxDriver> drivers, NodeIdentity identity, Outbox outbox,
            HostInfo host, InstantSource clock, dev.hearth.agent.instances.Instances instances) {
        if (drivers.isEmpty()) {
            throw new IllegalArgumentException("an agent needs the driver of one runtime or more");
        }
        this.drivers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(drivers));
        this.metrics = new AgentMetrics(this, this.drivers.values().iterator().next().name());
        metrics.pools(this.drivers);
        this.instances = instances == null ? null : new NodeInstances(instances, this::sendIfRegistered,
                () -> registered ? nodeId : null, metrics::vmBoot);
        this.config = config;
        this.identity = identity;
        this.outbox = outbox;
        this.host = host;
        this.clock = clock;
        Map<String, JobRunner> byRuntime = new java.util.HashMap<>();
        this.drivers.forEach((name, d) -> byRuntime.put(name, new JobRunner(d, config.maxLogChars(),
                JobRunner.DEFAULT_STOP_GRACE, clock)));
        this.runners = Map.copyOf(byRuntime);
        this.capacity = new Capacity(config.slots(), host.cpus() == null ? HostInventory.cpus() : host.cpus(),
                host.memoryBytes() == null ? HostInventory.memoryBytes() : host.memoryBytes(),
                host.gpus().stream().map(GpuReport::index).toList());
        this.heartbeatInterval = config.heartbeatInterval();
        this.startedAt = clock.instant();
        Optional<javax.net.ssl.SSLContext> trust = linkTrust();
        this.link = new CoordinatorLink(config.endpoints(), new Backoff(config.reconnectDelay(),
                config.reconnectMax(), () -> ThreadLocalRandom.current().nextDouble()), new Events(), trust);
        // inputs and outputs go to the coordinator the link is connected to
        NodeHttp files = new NodeHttp(link::endpoint, config.token(), identity.publicKeyBase64(), trust);
        this.inputs = new InputBlobs(files, config.stateDir().resolve("blobs"), MAX_INPUT_BLOB_BYTES);
        this.outputs = new OutputUploads(files);
        this.outputCopies = config.stateDir().resolve("outputs");
        OutputUploads.delete(outputCopies); // copies a stopped agent left: their results went without them
    }

    /** The coordinator trust HEARTH_TLS_FINGERPRINT or HEARTH_TLS_CA name, for a wss:// coordinator. */
    private static java.util.Optional<javax.net.ssl.SSLContext> linkTrust() {
        try {
            return CoordinatorLink.trust(System.getenv());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("HEARTH_TLS_CA cannot be used: " + e.getMessage(), e);
        }
    }

    /** Connects and starts heartbeating; returns at once. */
    public void start() {
        log.info("agent starting: coordinator {}, {} slots, state {}, {} result(s) waiting in the outbox",
                config.endpoints().size() == 1 ? config.endpoints().getFirst() : config.endpoints(), config.slots(),
                config.stateDir(), outbox.pending().size());
        if (instances != null) {
            instances.start();
        }
        link.start();
        long periodMillis = Math.max(200, Math.min(500, config.heartbeatInterval().toMillis() / 4)); // also live logs
        ticker.scheduleAtFixedRate(this::tick, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            if (registered && now - nextHeartbeatNanos >= 0) {
                nextHeartbeatNanos = now + heartbeatInterval.toNanos();
                heartbeat();
            }
            if (registered) {
                // only while the link's queue is short: a slow link must not queue the output in memory
                running.forEach((id, r) -> r.live().drain(id, r.epoch(),
                        () -> link.backlogChars() < LIVE_BACKLOG_CHARS, link::send));
            }
            if (link.connected() && now - lastHeardNanos > heartbeatInterval.toNanos() * SILENT_INTERVALS) {
                link.abort(registered ? "the coordinator has not answered for " + SILENT_INTERVALS
                        + " heartbeat intervals" : "no hello or registration came within " + SILENT_INTERVALS
                        + " heartbeat intervals: is " + link.endpoint() + " a Hearth coordinator? (A Hypernode "
                        + "v2.0 backend greets with nothing: run the agent with --protocol hypernode-v2 for one.)");
                lastHeardNanos = now;
            }
        } catch (RuntimeException e) {
            log.error("heartbeat tick failed", e);
        }
    }

    private void heartbeat() {
        List<GpuReport> gpus = host.gpus();
        long cpuNanos = 0;
        long memory = 0;
        for (Running r : running.values()) {
            cpuNanos += r.spec().limits().cpus().nanoCpus();
            memory += r.spec().limits().memory().bytes();
        }
        Capacity free = new Capacity(Math.max(0, capacity.slots() - running.size()),
                Math.max(0, capacity.cpus() - cpuNanos / 1e9), Math.max(0, capacity.memoryBytes() - memory),
                capacity.gpus());
        long sentAt = System.nanoTime();
        heartbeatSentNanos = sentAt == 0 ? 1 : sentAt;
        link.send(new Heartbeat(nodeId, clock.instant().toString(),
                new Heartbeat.Stats(completed.get(), failed.get(),
                        Duration.between(startedAt, clock.instant()).toSeconds(), running.size(), gpus),
                draining.get() ? "draining" : "online", free));
    }

    private final class Events implements CoordinatorLink.Listener {

        @Override
        public void connected() {
            lastHeardNanos = System.nanoTime();
            log.info("connected to {}", link.endpoint());
        }

        @Override
        public void received(CoordinatorMessage message) {
            lastHeardNanos = System.nanoTime();
            metrics.message("in", MessageTypes.of(message));
            try (var fields = fields(message)) {
                handle(message);
            }
        }

        /** The node, and the job and epoch or the instance the message is about: fields of every line it causes. */
        private LogFields.Scope fields(CoordinatorMessage message) {
            LogFields.Scope s = LogFields.scope().with(LogFields.NODE, nodeId);
            return switch (message) {
                case JobOffer o -> s.with(LogFields.JOB, o.id()).with(LogFields.EPOCH, o.epoch());
                case JobCancel c -> s.with(LogFields.JOB, c.jobId()).with(LogFields.EPOCH, c.epoch());
                case ResultAck a -> s.with(LogFields.JOB, a.jobId()).with(LogFields.EPOCH, a.epoch());
                case InstanceCreate c -> s.with(LogFields.INSTANCE, c.instance() == null ? null : c.instance().id());
                case InstanceAction a -> s.with(LogFields.INSTANCE, a.instanceId());
                default -> s;
            };
        }

        private void handle(CoordinatorMessage message) {
            switch (message) {
                case Hello h -> register(h);
                case Registered r -> registered(r);
                case JobOffer o -> offer(o);
                case JobCancel c -> cancel(c);
                case ResultAck a -> acknowledged(a);
                case Ping p -> link.send(new Pong());
                case Ack a -> heartbeatAnswered(); // the coordinator acks heartbeats only
                case ErrorMessage e -> refused(e);
                case InstanceCreate c -> {
                    if (instances != null) {
                        instances.create(c);
                    } else {
                        link.send(unsupported(c.requestId(), c.instance() == null ? null : c.instance().id()));
                    }
                }
                case InstanceAction a -> {
                    if (instances != null) {
                        instances.act(a);
                    } else {
                        link.send(unsupported(a.requestId(), a.instanceId()));
                    }
                }
            }
        }

        @Override
        public void sent(dev.hearth.core.protocol.AgentMessage message) {
            metrics.message("out", MessageTypes.of(message));
        }

        @Override
        public void disconnected(String why, Duration retryIn) {
            boolean was = registered;
            registered = false;
            if (was) {
                log.warn("lost the coordinator: {}; {} job(s) keep running; connecting to {} in {}", why,
                        running.size(), link.endpoint(), DurationText.format(retryIn));
            } else {
                log.warn("coordinator not reachable: {}; trying {} in {}", why, link.endpoint(),
                        DurationText.format(retryIn));
            }
        }
    }

    private void heartbeatAnswered() {
        long sent = heartbeatSentNanos;
        if (sent != 0) {
            heartbeatSentNanos = 0;
            metrics.heartbeatRoundTrip(Duration.ofNanos(System.nanoTime() - sent));
        }
    }

    private void register(Hello hello) {
        List<LeaseRef> held = new ArrayList<>();
        running.forEach((id, r) -> held.add(new LeaseRef(id, r.epoch())));
        held.addAll(outbox.leases());
        link.send(new Register(config.token(), host, Protocol.HEARTH_V1, identity.publicKeyBase64(),
                identity.sign(Protocol.registrationChallenge(hello.nonce())), capacity, held,
                instances == null ? null : instances.forRegister()));
    }

    private void sendIfRegistered(dev.hearth.core.protocol.AgentMessage m) {
        if (registered) {
            link.send(m);
        }
    }

    private static InstanceResult unsupported(String requestId, String instanceId) {
        return InstanceResult.failed(requestId, instanceId, "unsupported", null, "this agent runs no instances "
                + "(it was started without an instance state root)");
    }

    private void registered(Registered r) {
        nodeId = r.nodeId();
        if (r.heartbeatSeconds() != null && r.heartbeatSeconds() > 0) {
            Duration asked = Duration.ofSeconds(r.heartbeatSeconds());
            heartbeatInterval = asked.compareTo(config.heartbeatInterval()) < 0 ? asked : config.heartbeatInterval();
        }
        registered = true;
        lastRefusal = null;
        link.connectionWorked();
        nextHeartbeatNanos = System.nanoTime();
        List<JobResultMessage> pending = outbox.pending();
        try (var fields = LogFields.scope().with(LogFields.NODE, nodeId)) {
            log.info("registered as node {}; heartbeat every {}; sending {} result(s) from the outbox", nodeId,
                    DurationText.format(heartbeatInterval), pending.size());
        }
        for (JobResultMessage m : pending) {
            link.send(withNode(m, nodeId));
        }
        if (draining.get()) {
            heartbeat();
        }
    }

    private void refused(ErrorMessage e) {
        lastRefusal = e.code() + ": " + e.message();
        log.error("the coordinator refused a message: {} ({})", e.code(), e.message());
    }

    private void offer(JobOffer offer) {
        long epoch = offer.epoch() == null ? 0 : offer.epoch();
        // the coordinator's trace is a stranger's text: only a well-formed trace id becomes a log field
        String trace = Traceparent.parse(offer.traceparent()).map(Traceparent::traceId).orElse(null);
        try (var fields = LogFields.job(offer.id(), nodeId, epoch, trace)) {
            offer(offer, epoch, trace);
        }
    }

    private void offer(JobOffer offer, long epoch, String trace) {
        if (running.containsKey(offer.id())) {
            log.warn("job {} offered again (epoch {}) while it runs here; ignored", offer.id(), epoch);
            return;
        }
        JobSpec spec;
        String runtime = offer.runtime() == null ? JobOffer.DEFAULT_RUNTIME : offer.runtime();
        try {
            if (offer.spec() == null) {
                throw new InvalidInputException("job.spec", null, "a Hearth job offer carrying the job's spec");
            }
            if (!runners.containsKey(runtime)) {
                // the coordinator is a stranger: a runtime this node did not offer is never set up for it
                throw new InvalidInputException("job.runtime", runtime, "a runtime this node offers: "
                        + String.join(", ", drivers.keySet()));
            }
            spec = capTimeout(JobWire.fromWire(offer.id(), offer.spec()));
            // the submitter is a stranger: the node's LAN and the cloud metadata service stay closed
            spec.network().checkFromNetwork("spec.network.allow");
        } catch (InvalidInputException e) {
            log.warn("job {} cannot run here: {}", offer.id(), e.getMessage());
            JobOffer.WireJobSpec wire = offer.spec() != null ? offer.spec()
                    : new JobOffer.WireJobSpec("", List.of(), null, null, null, "", "", 0, "", 0, List.of());
            report(unrun(JobResult.of(offer.id(), JobStatus.ERROR, -1, wire.image(), null, clock.instant(),
                    e.getMessage(), 0, false, e.getMessage())), epoch, wire);
            return;
        }
        if (draining.get()) {
            log.info("job {} offered while draining; it runs within the grace period", offer.id());
        }
        Running r = new Running(epoch, spec, asRun(offer.spec(), spec), new Cancellation(), new AtomicBoolean(),
                new LiveOutput(LiveOutput.MAX_PENDING), trace, runtime);
        running.put(offer.id(), r);
        log.info("job {} accepted (epoch {}, runtime {}, image {}, timeout {})", offer.id(), epoch, runtime,
                spec.image(), DurationText.format(spec.timeout()));
        jobs.submit(() -> run(spec, r));
    }

    private JobSpec capTimeout(JobSpec spec) {
        if (spec.timeout().compareTo(config.jobTimeout()) <= 0) {
            return spec;
        }
        return new JobSpec(spec.id(), spec.image(), spec.command(), spec.env(), spec.secrets(), spec.files(),
                spec.limits(), spec.network(), config.jobTimeout(), spec.gpus());
    }

    /** What a receipt says ran: the offer's own texts (so the coordinator compares like with like), and the
     * timeout applied here; never the secrets, env or files. */
    private static JobOffer.WireJobSpec asRun(JobOffer.WireJobSpec offered, JobSpec spec) {
        return new JobOffer.WireJobSpec(offered.image(), offered.command(), null, null, null, offered.memory(),
                offered.cpus(), offered.pids(), offered.network(), spec.timeout().toSeconds(), offered.gpuIndexes());
    }

    private void run(JobSpec spec, Running r) {
        try (var fields = LogFields.job(spec.id(), nodeId, r.epoch(), r.traceId())) {
            runLogged(spec, r);
        }
    }

    private void runLogged(JobSpec spec, Running r) {
        JobRunner.Execution done;
        try {
            link.send(new JobStarted(spec.id(), r.epoch()));
            java.nio.file.Path copies = outputCopies.resolve(spec.id() + "." + r.epoch());
            done = runners.get(r.runtime()).execute(inputs.resolve(spec, r.epoch()), r.live(), r.cancel(), copies);
            if (!r.discard().get()) {
                outputs.upload(spec.id(), r.epoch(), OutputListing.bounded(done.outputs().files()), copies);
            }
            OutputUploads.delete(copies);
        } catch (InputBlobs.Refused e) {
            log.warn("job {} not run: {}", spec.id(), e.getMessage());
            done = unrun(JobResult.of(spec.id(), JobStatus.ERROR, -1, spec.image(), null, clock.instant(),
                    e.getMessage(), 0, false, e.getMessage()));
        } catch (InterruptedException e) {
            done = unrun(JobResult.of(spec.id(), JobStatus.ERROR, -1, spec.image(), null, clock.instant(),
                    "agent interrupted", 0, false, "the agent was stopped while the job ran"));
        } catch (RuntimeException e) {
            log.error("job {} failed in the agent", spec.id(), e);
            done = unrun(JobResult.of(spec.id(), JobStatus.ERROR, -1, spec.image(), null, clock.instant(),
                    String.valueOf(e.getMessage()), 0, false, "agent error: " + e.getMessage()));
        }
        // the rest of the output goes before the result, so the coordinator's full log is whole when the result lands
        r.live().drain(spec.id(), r.epoch(), () -> registered, link::send);
        JobResult result = done.result();
        if (r.discard().get()) {
            running.remove(spec.id());
            log.info("job {} under epoch {} ended after its lease was taken; its result ({}) is dropped", spec.id(),
                    r.epoch(), result.status().wireName());
            return;
        }
        (result.status().success() ? completed : failed).incrementAndGet();
        metrics.finished(result.status(), Duration.ofMillis(Math.max(0, result.durationMillis())));
        String origin = done.origin();
        done.sandboxStart().ifPresent(t -> metrics.sandboxStart(drivers.get(r.runtime()).name(), origin, t));
        report(done, r.epoch(), r.ran());
        running.remove(spec.id()); // only now: a job is always either running or in the outbox
    }

    private static JobRunner.Execution unrun(JobResult result) {
        return new JobRunner.Execution(result, null, ResourceUsage.UNKNOWN, Outputs.NONE, java.util.Optional.empty(),
                "cold");
    }

    private void report(JobRunner.Execution done, long epoch, JobOffer.WireJobSpec ran) {
        JobResult result = done.result();
        Receipt receipt = JobWire.receipt(result, nodeId, epoch, ran, identity.fingerprint(), done.imageDigest(),
                done.usage(), OutputListing.bounded(done.outputs().files()));
        JobResultMessage m = JobWire.resultMessage(result, nodeId, epoch)
                .withReceipt(receipt, identity.sign(receipt.signingInput()));
        try {
            outbox.put(m);
        } catch (IOException e) {
            log.error("could not keep the result of job {} in the outbox; sending it without a copy on disk: {}",
                    result.jobId(), e.getMessage());
        }
        // where its sandbox came from, a field of the line: warm (a pool's ready one) or cold (made for it)
        String sandbox = done.sandboxStart().isEmpty() ? null : done.origin();
        try (var fields = LogFields.scope().with(LogFields.SANDBOX, sandbox)) {
            log.info("job {} finished: {} (exit {}, {} ms)", result.jobId(), result.status().wireName(),
                    result.exitCode(), result.durationMillis());
        }
        if (registered) {
            link.send(m);
        }
    }

    private void cancel(JobCancel c) {
        Running r = running.get(c.jobId());
        boolean stale = "stale_lease".equals(c.reason());
        if (r != null && (c.epoch() == null || c.epoch() == r.epoch())) {
            if (stale) {
                r.discard().set(true);
            }
            r.cancel().cancel(stale ? "its lease was taken by the coordinator" : "cancelled by the coordinator ("
                    + c.reason() + ")");
            log.info("job {} (epoch {}) cancelled by the coordinator: {}", c.jobId(), r.epoch(), c.reason());
        }
        if (stale && c.epoch() != null) {
            outbox.remove(c.jobId(), c.epoch());
        }
    }

    private void acknowledged(ResultAck a) {
        if (a.accepted()) {
            outbox.remove(a.jobId(), a.epoch());
            log.debug("result of job {} (epoch {}) accepted", a.jobId(), a.epoch());
        } else if (LEASE_RACES.contains(a.code())) {
            // the lease moved on (another node, or a result already in): routine, nothing for the operator
            outbox.remove(a.jobId(), a.epoch());
            log.warn("result of job {} (epoch {}) refused: {} ({})", a.jobId(), a.epoch(), a.code(), a.reason());
        } else {
            outbox.deadLetter(a.jobId(), a.epoch(), a.code() + ": " + a.reason());
        }
    }

    /** A result from the outbox as this node sends it now: its node id, and its receipt signed for that id. */
    private JobResultMessage withNode(JobResultMessage m, String nodeId) {
        JobResultMessage restamped = m.withNodeId(nodeId);
        if (m.receipt() == null || nodeId.equals(m.receipt().nodeId())) {
            return restamped;
        }
        Receipt receipt = m.receipt().withNodeId(nodeId);
        return restamped.withReceipt(receipt, identity.sign(receipt.signingInput()));
    }

    /**
     * Stops taking work and winds down: tells the coordinator it is draining, lets running jobs finish for
     * {@code grace}, cancels the rest (their results reported as errors), and waits a little for the coordinator
     * to acknowledge the results. Whatever is not acknowledged stays in the outbox for the next start.
     */
    public void drain(Duration grace) throws InterruptedException {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        log.info("draining: {} job(s) running get up to {} to finish", running.size(), DurationText.format(grace));
        if (registered) {
            heartbeat();
        }
        awaitIdle(grace);
        for (Map.Entry<String, Running> e : running.entrySet()) {
            e.getValue().cancel().cancel("the agent is shutting down and the grace period of "
                    + DurationText.format(grace) + " ended");
        }
        awaitIdle(JobRunner.DEFAULT_STOP_GRACE.plusSeconds(20));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (registered && !outbox.pending().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        log.info("drained: {} result(s) left in the outbox for the next start", outbox.pending().size());
    }

    private void awaitIdle(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** A snapshot for /healthz. */
    public Health health() {
        String engine = "ok";
        for (Map.Entry<String, SandboxDriver> d : drivers.entrySet()) {
            try {
                d.getValue().ping();
            } catch (SandboxException e) {
                engine = drivers.size() == 1 ? e.getMessage() : d.getKey() + ": " + e.getMessage();
                break;
            }
        }
        return new Health(link.connected(), registered, link.endpoint().toString(), Optional.ofNullable(nodeId),
                engine, running.size(), outbox.pending().size(), draining.get(), Optional.ofNullable(lastRefusal));
    }

    /**
     * What /healthz reports.
     *
     * @param connected whether the link is open
     * @param registered whether the coordinator accepted the node on it
     * @param coordinator the endpoint of the coordinator connected to, or tried next
     * @param nodeId the node id, once known
     * @param engine "ok" or why the sandbox engine did not answer
     * @param runningJobs jobs running now
     * @param outboxPending results not yet acknowledged
     * @param draining whether the agent is shutting down
     * @param lastRefusal the coordinator's last error to this node since it last registered
     */
    public record Health(boolean connected, boolean registered, String coordinator, Optional<String> nodeId,
            String engine,
            int runningJobs, int outboxPending, boolean draining, Optional<String> lastRefusal) {

        /** Healthy: registered with the coordinator and the engine answers. */
        public boolean ok() {
            return registered && "ok".equals(engine);
        }
    }

    int runningJobs() {
        return running.size();
    }

    boolean isRegistered() {
        return registered;
    }

    long reconnects() {
        return link.reconnects();
    }

    int outboxSize() {
        return outbox.pending().size();
    }

    /** The agent's metrics registry, for /metrics. */
    public AgentMetrics metrics() {
        return metrics;
    }

    /** Stops at once: link closed, jobs interrupted (their sandboxes removed), driver closed. */
    @Override
    public void close() {
        ticker.shutdownNow();
        if (instances != null) {
            instances.close();
        }
        link.close();
        jobs.shutdownNow();
        try {
            jobs.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drivers.values().forEach(SandboxDriver::close);
        metrics.close();
    }
}
