// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.coordinator.store.InstanceCommand;
import dev.hearth.coordinator.store.InstanceCommands;
import dev.hearth.core.protocol.InstanceAction;
import dev.hearth.core.protocol.InstanceResult;
import dev.hearth.core.units.DurationText;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands instance commands between coordinators that share one database, for a node connected to another one than
 * the caller's: {@link #send} records the command ({@link InstanceCommands}) and returns a request that completes
 * when the node's coordinator wrote the answer back; that coordinator, told by the database's notification (or by
 * its own poll every {@value #POLL_MILLIS} ms, for a notification lost), claims each pending command for a node
 * connected to it, relays it on the same {@link InstanceRelay} path as its own commands and writes the answer back.
 *
 * <p><b>Deadlines.</b> A command nobody claims within the pickup deadline (the node's coordinator stopped, or lost
 * the database) fails with {@value #NODE_UNREACHABLE}; so does one claimed but unanswered after the answer deadline.
 * Whichever of the sender's deadline and the claim commits first wins, so a command is either relayed or failed,
 * never both. Ended commands are deleted after {@link #KEEP_ENDED}, any after {@link #KEEP_ANY}; a log read's as
 * soon as its reader has it. Only lifecycle commands and log reads are handed over: a create's secrets never enter
 * the database.
 *
 * <p>One platform thread, started only when the store is shared. Thread-safe.
 */
public final class InstanceHandover implements AutoCloseable {

    /** The code of a handed-over command that no coordinator relayed, or whose answer never came, in time. */
    public static final String NODE_UNREACHABLE = "node_unreachable";
    /** How often the thread looks for commands and answers without being told. */
    static final long POLL_MILLIS = 1000;
    /** How long an ended command stays readable. */
    static final Duration KEEP_ENDED = Duration.ofHours(1);
    /** How long any command stays, whatever its state. */
    static final Duration KEEP_ANY = Duration.ofDays(1);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(InstanceHandover.class);

    private final InstanceCommands commands;
    private final InstanceRelay relay;
    private final Function<String, Optional<NodeSession>> sessions;
    private final InstantSource clock;
    private final Duration pickup;
    private final Duration answer;
    /** The requests this coordinator sent elsewhere and waits on, by request id. */
    private final Map<String, InstanceRequest> awaited = new ConcurrentHashMap<>();
    private final BlockingQueue<Boolean> wakes = new ArrayBlockingQueue<>(1);
    private final Thread thread = Thread.ofPlatform().name("hearth-instance-handover").daemon()
            .unstarted(this::run);
    private volatile boolean closed;
    private Instant nextPrune = Instant.MIN;

    /**
     * @param sessions the live session of a node connected here
     * @param pickup how long a command may wait for its node's coordinator to claim it
     * @param answer how long a claimed command may wait for the node's answer
     */
    public InstanceHandover(InstanceCommands commands, InstanceRelay relay,
            Function<String, Optional<NodeSession>> sessions, InstantSource clock, Duration pickup,
            Duration answer) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.relay = Objects.requireNonNull(relay, "relay");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pickup = Objects.requireNonNull(pickup, "pickup");
        this.answer = Objects.requireNonNull(answer, "answer");
    }

    /** Whether commands can be handed over: other coordinators share the store. */
    public boolean available() {
        return commands.shared();
    }

    /** Starts listening and relaying, when {@link #available}; otherwise does nothing. */
    public void start() {
        if (available()) {
            commands.watch(id -> wake());
            thread.start();
        }
    }

    /**
     * Hands a lifecycle action or log read for a node connected to another coordinator to it, for {@code owner}
     * (whose right to it the caller checked).
     *
     * @throws IllegalStateException when the store is not shared, or the action is a create
     */
    public InstanceRequest send(String nodeId, String instanceId, String action, String owner) {
        if (!available() || !(InstanceAction.ACTIONS.contains(action) || InstanceAction.LOGS.equals(action))) {
            throw new IllegalStateException("instance " + action + " for node " + nodeId + " cannot be handed to "
                    + "another coordinator" + (available() ? "" : ": no other coordinator shares this store"));
        }
        InstanceRequest r = relay.elsewhere(nodeId, instanceId, action, owner);
        try {
            commands.record(InstanceCommand.pending(r.id(), nodeId, instanceId, action, owner, r.createdAt()));
        } catch (RuntimeException e) {
            relay.forget(r.id());
            throw e;
        }
        awaited.put(r.id(), r);
        log.info("handed instance {} {} of '{}' for node {} to the coordinator it is connected to", action, r.id(),
                instanceId, nodeId);
        return r;
    }

    private void wake() {
        wakes.offer(Boolean.TRUE);
    }

    private void run() {
        while (!closed) {
            try {
                wakes.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                relayHere();
                readAnswers();
                prune();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.warn("handing instance commands between coordinators failed; again in {} ms: {}", POLL_MILLIS,
                        e.toString());
            }
        }
    }

    /** Claims and relays the pending commands for nodes connected here. */
    private void relayHere() {
        for (InstanceCommand c : commands.pending(clock.instant().minus(pickup))) {
            Optional<NodeSession> node = sessions.apply(c.nodeId()).filter(NodeSession::hearth);
            if (node.isEmpty() || !commands.claim(c.requestId())) {
                continue;
            }
            boolean read = InstanceAction.LOGS.equals(c.action());
            InstanceRequest r = read ? relay.logs(node.get(), c.requestId(), c.instanceId(), c.owner())
                    : relay.act(node.get(), c.requestId(), c.instanceId(), c.action(), c.owner());
            log.info("relaying instance {} {} of '{}' to node {} for another coordinator", c.action(), c.requestId(),
                    c.instanceId(), c.nodeId());
            r.result().thenAccept(result -> {
                if (read) {
                    relay.forget(r.id()); // the log stays in memory here no longer than it must
                }
                try {
                    commands.finish(r.id(), result);
                } catch (RuntimeException e) {
                    log.warn("writing the answer to instance command {} back failed (its sender's deadline ends "
                            + "it): {}", r.id(), e.toString());
                }
            });
        }
    }

    /** Completes the requests sent elsewhere whose answer came, or whose deadline passed. */
    private void readAnswers() {
        if (awaited.isEmpty()) {
            return;
        }
        for (String id : List.copyOf(awaited.keySet())) {
            if (relay.request(id).isEmpty()) { // forgotten: a log read whose reader gave up
                awaited.remove(id);
                commands.remove(id);
            }
        }
        Instant now = clock.instant();
        Map<String, InstanceCommand> rows = new java.util.HashMap<>();
        commands.commands(awaited.keySet()).forEach(c -> rows.put(c.requestId(), c));
        for (InstanceRequest r : List.copyOf(awaited.values())) {
            InstanceCommand c = rows.get(r.id());
            Duration waited = Duration.between(r.createdAt(), now);
            if (c == null) {
                end(r, failed(r, "instance command " + r.id() + " is gone from the database (pruned, or removed by "
                        + "an operator); its outcome is unknown: see the node's instance list"));
            } else if (c.state().ended()) {
                end(r, c.result());
            } else if (c.state() == InstanceCommand.State.PENDING && waited.compareTo(pickup) > 0) {
                InstanceResult late = failed(r, "no coordinator relayed instance " + r.action() + " " + r.id()
                        + " of '" + r.instanceId() + "' to node " + r.nodeId() + " within "
                        + DurationText.format(pickup) + ": the coordinator the node is connected to does not answer "
                        + "(stopped, or cut off from the database). Nothing was sent to the node; try again once the "
                        + "node is connected to a live coordinator (it is marked lost when its heartbeats stop)");
                if (commands.abandon(r.id(), late)) {
                    end(r, late);
                }
            } else if (waited.compareTo(pickup.plus(answer)) > 0) {
                InstanceResult late = failed(r, "node " + r.nodeId() + " did not answer instance " + r.action() + " "
                        + r.id() + " of '" + r.instanceId() + "' within " + DurationText.format(pickup.plus(answer))
                        + " of its relay through another coordinator; its instance list will show the outcome");
                if (commands.finish(r.id(), late)) {
                    end(r, late);
                }
            }
        }
    }

    private void end(InstanceRequest r, InstanceResult result) {
        awaited.remove(r.id());
        if (InstanceAction.LOGS.equals(r.action())) {
            commands.remove(r.id()); // its reader has the log now: it stays in the database no longer
        }
        r.finish(result);
    }

    private static InstanceResult failed(InstanceRequest r, String message) {
        return InstanceResult.failed(r.id(), r.instanceId(), NODE_UNREACHABLE, null, message);
    }

    private void prune() {
        Instant now = clock.instant();
        if (now.isBefore(nextPrune)) {
            return;
        }
        nextPrune = now.plus(PRUNE_EVERY);
        int pruned = commands.prune(now.minus(KEEP_ENDED), now.minus(KEEP_ANY));
        if (pruned > 0) {
            log.debug("pruned {} instance commands handed between coordinators", pruned);
        }
    }

    /** Stops the thread; requests still awaited stay open (the coordinator is stopping). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
