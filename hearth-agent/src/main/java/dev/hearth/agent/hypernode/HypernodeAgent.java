// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.hypernode;

import dev.hearth.agent.jobs.Cancellation;
import dev.hearth.agent.jobs.JobRunner;
import dev.hearth.agent.link.Backoff;
import dev.hearth.agent.link.CoordinatorLink;
import dev.hearth.agent.link.FrameHead;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.protocol.Ack;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.GpuReport;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.Hello;
import dev.hearth.core.protocol.HostInfo;
import dev.hearth.core.protocol.InstanceAction;
import dev.hearth.core.protocol.InstanceCreate;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.Ping;
import dev.hearth.core.protocol.Pong;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.Register;
import dev.hearth.core.protocol.Registered;
import dev.hearth.core.protocol.ResultAck;
import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxDriver;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
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
 * Hearth's agent speaking Hypernode v2.0 to a Hypernode backend, in place of the original Python agent
 * ({@code hearth agent --protocol hypernode-v2}). On every connection it registers at once (a v2.0 backend greets
 * with nothing) with its token and v2.0's {@code hostInfo}; once {@code registered} names its node id it
 * heartbeats every heartbeat interval on its own thread, runs each {@code job} in a Hearth sandbox as {@link V2Job}
 * builds it, and answers with a v2.0 {@code job_result}. A job it cannot honour is refused with v2.0's error form
 * naming the field. The backend is a stranger: a registration that does not come within its deadline, or a node id
 * that is not one, drops the connection; inbound messages are capped at {@link Protocol#DEFAULT_MAX_FRAME_BYTES}
 * characters; every reconnect waits a jittered, growing {@link Backoff} delay. Each result is followed by a
 * WebSocket ping and counts as delivered once the backend answers it; results not confirmed when the connection
 * ends, or finished while the backend was away, wait in memory (at most {@link #MAX_PENDING}) and go out after the
 * next registration. Thread-safe.
 */
public final class HypernodeAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HypernodeAgent.class);
    /** Results kept while disconnected; past this the oldest is dropped (v2.0 has no result acknowledgement). */
    static final int MAX_PENDING = 1000;
    /** The longest node id taken from {@code registered}. */
    private static final int MAX_NODE_ID_CHARS = 256;

    private final AgentConfig config;
    private final URI endpoint;
    private final SandboxDriver driver;
    private final JobRunner runner;
    private final HostInfo host;
    private final V2Job.Host limits;
    private final InstantSource clock;
    private final Duration registerDeadline;
    private final CoordinatorLink link;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Results to send once registered. Guarded by itself, as {@link #unconfirmed} is. */
    private final Deque<JobResultMessage> pending = new ArrayDeque<>();
    /** Results sent on the open connection whose ping the backend has not answered yet. */
    private final Deque<Sent> unconfirmed = new ArrayDeque<>();
    private final ExecutorService jobs = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hearth-v2-heartbeat").daemon().factory());
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Instant startedAt;
    private volatile String nodeId;
    private volatile boolean registered;
    private volatile long connectedNanos;
    private volatile long nextHeartbeatNanos;

    /** A result sent, and the number of the ping sent right behind it. */
    private record Sent(JobResultMessage message, long ping) {
    }

    /** A job running here. */
    private record Running(JobSpec spec, Cancellation cancel, AtomicBoolean discard) {
    }

    /**
     * @param config settings (token, heartbeat interval, job timeout, log cap, reconnect delays, slots)
     * @param endpoint the backend's WebSocket, as the original's HN_ENDPOINT names it
     * @param driver the sandbox driver jobs run on (the agent closes it)
     * @param host the host's facts; v2.0's part of them is sent at registration
     * @param clock the time source of heartbeats and results
     * @param registerDeadline how long after connecting {@code registered} may take before the connection is dropped
     */
    public HypernodeAgent(AgentConfig config, URI endpoint, SandboxDriver driver, HostInfo host, InstantSource clock,
            Duration registerDeadline) {
        this.config = config;
        this.endpoint = endpoint;
        this.driver = driver;
        this.host = v2HostInfo(host);
        this.clock = clock;
        this.registerDeadline = registerDeadline;
        this.runner = new JobRunner(driver, config.maxLogChars(), JobRunner.DEFAULT_STOP_GRACE, clock);
        this.limits = new V2Job.Host(host.cpus() == null ? Runtime.getRuntime().availableProcessors() : host.cpus(),
                host.memoryBytes() == null ? Long.MAX_VALUE : host.memoryBytes(),
                host.gpus().stream().map(GpuReport::index).toList(), config.jobTimeout());
        this.startedAt = clock.instant();
        this.link = new CoordinatorLink(endpoint, new Backoff(config.reconnectDelay(), config.reconnectMax(),
                () -> ThreadLocalRandom.current().nextDouble()), new Events(), trust(),
                CoordinatorLink.DEFAULT_PING_INTERVAL, CoordinatorLink.DEFAULT_SILENCE_DEADLINE, List.of(),
                Protocol.DEFAULT_MAX_FRAME_BYTES);
    }

    /** The original agent's HN_ENDPOINT default, used when no endpoint is given in v2.0 mode. */
    public static final String ORIGINAL_ENDPOINT = "wss://nodes.hypernodesolana.org";

    /**
     * A v2.0 backend's endpoint as the original agent reads HN_ENDPOINT: {@code ws(s)://HOST[:PORT][/PATH]} (or
     * {@code http(s)://}), taken as it is (no path is the root, not Hearth's {@code /v1/agent}).
     *
     * @param source the flag or variable it came from, for the error
     * @throws InvalidInputException naming {@code source} when it is not such a URL
     */
    public static URI endpoint(String source, String text) {
        String form = "ws://HOST[:PORT][/PATH] or wss://HOST[:PORT][/PATH], e.g. " + ORIGINAL_ENDPOINT;
        try {
            URI u = new URI(text.strip());
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            String ws = switch (scheme) {
                case "ws", "http" -> "ws";
                case "wss", "https" -> "wss";
                default -> throw new InvalidInputException(source, text, form);
            };
            if (u.getUserInfo() != null) {
                // the user info may be a password: never repeat it
                throw new InvalidInputException(source, scheme + "://****@" + u.getHost(),
                        form + ", without user info");
            }
            if (u.getHost() == null) {
                throw new InvalidInputException(source, text, form);
            }
            String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
            return new URI(ws, null, u.getHost(), u.getPort(), path, u.getQuery(), null);
        } catch (java.net.URISyntaxException e) {
            throw new InvalidInputException(source, text, form);
        }
    }

    /** How long {@code registered} may take: three heartbeat intervals, and at least 10 s. */
    public static Duration registerDeadline(Duration heartbeatInterval) {
        Duration three = heartbeatInterval.multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : three;
    }

    /** v2.0's hostInfo: name, OS, architecture, GPUs (without their UUIDs), Docker and agent versions; no more. */
    static HostInfo v2HostInfo(HostInfo h) {
        List<GpuReport> gpus = h.gpus().stream().map(g -> new GpuReport(g.index(), g.model(), g.vramTotal(),
                g.vramFree(), g.utilization(), null)).toList();
        return new HostInfo(h.hostname(), h.os(), h.osVersion(), h.arch(), null, null, null, gpus, h.dockerVersion(),
                h.agentVersion());
    }

    private static Optional<javax.net.ssl.SSLContext> trust() {
        try {
            return CoordinatorLink.trust(System.getenv());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("HEARTH_TLS_CA cannot be used: " + e.getMessage(), e);
        }
    }

    /** Connects and starts heartbeating; returns at once. */
    public void start() {
        log.info("agent starting in Hypernode v2.0 mode: backend {}, {} slots, heartbeat every {}", endpoint,
                config.slots(), DurationText.format(config.heartbeatInterval()));
        link.start();
        long period = Math.max(20, Math.min(200, config.heartbeatInterval().toMillis() / 10));
        ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            if (registered && now - nextHeartbeatNanos >= 0) {
                nextHeartbeatNanos += config.heartbeatInterval().toNanos();
                if (now - nextHeartbeatNanos >= 0) {
                    nextHeartbeatNanos = now + config.heartbeatInterval().toNanos(); // behind: no burst to catch up
                }
                heartbeat();
            }
            confirm();
            if (!registered && link.connected() && now - connectedNanos > registerDeadline.toNanos()) {
                connectedNanos = now;
                link.abort("the backend did not answer the registration within "
                        + DurationText.format(registerDeadline));
            }
        } catch (RuntimeException e) {
            log.error("heartbeat tick failed", e);
        }
    }

    private void heartbeat() {
        Instant now = clock.instant();
        link.send(new Heartbeat(nodeId, now.toString(), new Heartbeat.Stats(completed.get(), failed.get(),
                Duration.between(startedAt, now).toSeconds(), running.size(), host.gpus()), null, null));
    }

    private final class Events implements CoordinatorLink.Listener {

        @Override
        public void connected() {
            registered = false;
            connectedNanos = System.nanoTime();
            // v2.0: the agent speaks first, and only its token and hostInfo
            link.send(new Register(config.token(), host, null, null, null, null, null));
        }

        @Override
        public void received(CoordinatorMessage message) {
            switch (message) {
                case Registered r -> registered(r);
                case JobOffer o -> offer(o);
                case JobCancel c -> cancel(c);
                case Ping p -> link.send(new Pong());
                case Ack a -> { }
                case ErrorMessage e -> log.warn("the backend reports an error: {}", printable(e.message()));
                case Hello h -> log.info("the backend greeted with a hello, as a Hearth coordinator does; this agent "
                        + "speaks Hypernode v2.0 with it (start it without --protocol hypernode-v2 for Hearth's own)");
                case ResultAck a -> { }
                case InstanceCreate c -> log.warn("ignored an instance_create: Hypernode v2.0 has no instances");
                case InstanceAction a -> log.warn("ignored an instance_action: Hypernode v2.0 has no instances");
            }
        }

        @Override
        public void unreadable(FrameHead head, String why) {
            if ("job".equals(head.type()) && head.id() != null && registered) {
                send(V2Result.error(bounded(head.id()), nodeId, "job refused: " + why));
            }
        }

        @Override
        public void disconnected(String why, Duration retryIn) {
            registered = false;
            unsent();
            log.warn("lost the backend: {}; {} job(s) keep running; reconnecting in {}", printable(why),
                    running.size(), DurationText.format(retryIn));
        }
    }

    private void registered(Registered r) {
        String id = r.nodeId();
        if (id == null || id.isBlank() || id.length() > MAX_NODE_ID_CHARS) {
            link.abort("the backend's registered message carries no usable nodeId (1 to " + MAX_NODE_ID_CHARS
                    + " characters)");
            return;
        }
        nodeId = id;
        registered = true;
        link.connectionWorked();
        nextHeartbeatNanos = System.nanoTime();
        List<JobResultMessage> waiting;
        synchronized (pending) {
            waiting = List.copyOf(pending);
            pending.clear();
        }
        log.info("registered as node {}; heartbeat every {}; sending {} result(s) kept while away", printable(id),
                DurationText.format(config.heartbeatInterval()), waiting.size());
        waiting.forEach(m -> send(m.withNodeId(id)));
    }

    private void offer(JobOffer offer) {
        if (!registered) {
            log.warn("ignored job {}: it came before the backend registered this node", printable(offer.id()));
            return;
        }
        if (offer.id() != null && running.containsKey(offer.id())) {
            log.warn("job {} offered again while it runs here; ignored", printable(offer.id()));
            return;
        }
        String refusal = null;
        JobSpec spec = null;
        if (draining.get()) {
            refusal = "this node is shutting down";
        } else if (running.size() >= config.slots()) {
            refusal = "this node runs " + running.size() + " jobs, its limit (--slots); offer it again "
                    + "later";
        } else {
            try {
                spec = V2Job.toSpec(offer, limits, busy());
            } catch (InvalidInputException e) {
                refusal = e.getMessage();
            }
        }
        if (refusal != null) {
            String id = offer.id() == null ? null : bounded(offer.id());
            log.warn("job {} refused: {}", printable(id), printable(refusal));
            if (id != null) {
                send(V2Result.error(id, nodeId, "job refused: " + refusal));
            }
            return;
        }
        Running r = new Running(spec, new Cancellation(), new AtomicBoolean());
        running.put(spec.id(), r);
        log.info("job {} accepted (memory {}, {} CPUs, timeout {})", spec.id(), spec.limits().memory(),
                spec.limits().cpus(), DurationText.format(spec.timeout()));
        JobSpec accepted = spec;
        jobs.submit(() -> run(accepted, r));
    }

    private V2Job.Busy busy() {
        Set<Integer> gpus = new HashSet<>();
        long memory = 0;
        for (Running r : running.values()) {
            r.spec().gpus().deviceIds().forEach(d -> gpus.add(Integer.parseInt(d)));
            memory += r.spec().limits().memory().bytes();
        }
        return new V2Job.Busy(gpus, memory);
    }

    private void run(JobSpec spec, Running r) {
        JobResult result;
        try {
            result = runner.execute(spec, LogSink.discard(), r.cancel()).result();
        } catch (InterruptedException e) {
            result = JobResult.of(spec.id(), JobStatus.ERROR, -1, spec.image(), null, clock.instant(), "", 0, false,
                    "the agent was stopped while the job ran");
        } catch (RuntimeException e) {
            log.error("job {} failed in the agent", spec.id(), e);
            result = JobResult.of(spec.id(), JobStatus.ERROR, -1, spec.image(), null, clock.instant(), "", 0, false,
                    "agent error: " + e.getMessage());
        }
        try {
            if (r.discard().get()) {
                log.info("job {} was cancelled by the backend; its result is not sent", spec.id());
                return;
            }
            (result.status().success() ? completed : failed).incrementAndGet();
            log.info("job {} finished: {} (exit {}, {} ms)", spec.id(), result.status().wireName(),
                    result.exitCode(), result.durationMillis());
            send(V2Result.of(result, nodeId));
        } finally {
            running.remove(spec.id());
        }
    }

    /**
     * Sends a result now, or keeps it for the next registration. v2.0 acknowledges no result, and a connection cut
     * under a send may take it without an error, so a ping follows each result and the result counts as delivered
     * only once the backend answers that ping (it has then read the result); a result still unconfirmed when the
     * connection ends is sent again after the next registration.
     */
    private void send(JobResultMessage m) {
        synchronized (pending) {
            if (registered && link.send(m.withNodeId(nodeId))) {
                unconfirmed.addLast(new Sent(m, link.pingNow()));
                return;
            }
            keep(m);
        }
    }

    /** Keeps {@code m} for the next registration, dropping the oldest past {@link #MAX_PENDING}. Holds the lock. */
    private void keep(JobResultMessage m) {
        if (pending.size() >= MAX_PENDING) {
            JobResultMessage lost = pending.removeFirst();
            log.error("dropped the result of job {}: {} results wait for the backend already", lost.id(),
                    MAX_PENDING);
        }
        pending.addLast(m);
    }

    /** Forgets results whose ping the backend answered on the open connection. */
    private void confirm() {
        long answered = link.lastPong();
        synchronized (pending) {
            while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().ping() > 0
                    && unconfirmed.peekFirst().ping() <= answered) {
                unconfirmed.removeFirst();
            }
        }
    }

    /** Results the backend may not have read go back to be sent after the next registration. */
    private void unsent() {
        synchronized (pending) {
            while (!unconfirmed.isEmpty()) {
                Sent s = unconfirmed.removeLast();
                pending.addFirst(s.message());
            }
            while (pending.size() > MAX_PENDING) {
                log.error("dropped the result of job {}: {} results wait for the backend already",
                        pending.removeFirst().id(), MAX_PENDING);
            }
        }
    }

    private void cancel(JobCancel c) {
        Running r = c.jobId() == null ? null : running.get(c.jobId());
        if (r != null) {
            r.discard().set(true);
            r.cancel().cancel("cancelled by the backend");
            log.info("job {} cancelled by the backend", printable(c.jobId()));
        }
    }

    /**
     * Stops taking jobs, lets running ones finish for {@code grace}, then cancels the rest (reported as errors) and
     * waits a little for their results to go out.
     */
    public void drain(Duration grace) throws InterruptedException {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        awaitIdle(grace);
        running.values().forEach(r -> r.cancel().cancel("the agent is shutting down and the grace period of "
                + DurationText.format(grace) + " ended"));
        awaitIdle(JobRunner.DEFAULT_STOP_GRACE.plusSeconds(20));
    }

    private void awaitIdle(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** Whether the backend registered this node on the open connection. */
    public boolean registered() {
        return registered;
    }

    /** Connection attempts after the first. */
    public long reconnects() {
        return link.reconnects();
    }

    /** Jobs running now. */
    public int runningJobs() {
        return running.size();
    }

    /** Stops at once: link closed, jobs interrupted (their sandboxes removed), driver closed. */
    @Override
    public void close() {
        ticker.shutdownNow();
        link.close();
        jobs.shutdownNow();
        try {
            jobs.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        driver.close();
    }

    /** A stranger's text as it may go into a log line: control characters shown as '?', at most 200 characters. */
    static String printable(String text) {
        if (text == null) {
            return "(none)";
        }
        String cut = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static String bounded(String id) {
        return id.length() > 128 ? id.substring(0, 128) : id;
    }

    @Override
    public String toString() {
        return "HypernodeAgent[" + endpoint + ", registered=" + registered + ", running=" + running.size() + "]";
    }
}
