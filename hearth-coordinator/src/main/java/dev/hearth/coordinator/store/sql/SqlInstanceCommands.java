// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.InstanceCommand;
import dev.hearth.coordinator.store.InstanceCommands;
import dev.hearth.core.protocol.InstanceResult;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/** {@link InstanceCommands} over SQL, announced on the store's {@link ClusterFeed}. Thread-safe. */
final class SqlInstanceCommands implements InstanceCommands {

    private final Transactions tx;
    private final InstantSource clock;
    private final ClusterFeed feed;

    SqlInstanceCommands(Transactions tx, InstantSource clock, ClusterFeed feed) {
        this.tx = tx;
        this.clock = clock;
        this.feed = feed;
    }

    @Override
    public boolean shared() {
        return feed.shared();
    }

    @Override
    public void record(InstanceCommand command) {
        Objects.requireNonNull(command, "command");
        if (command.state() != InstanceCommand.State.PENDING || command.action().equals("create")) {
            throw new IllegalArgumentException("only a pending lifecycle command or log read is recorded, not a "
                    + command.state() + " " + command.action() + " (" + command.requestId() + ")");
        }
        InstanceCommand at = new InstanceCommand(command.requestId(), command.nodeId(), command.instanceId(),
                command.action(), command.owner(), command.state(), null, millis(command.createdAt()), null);
        tx.write("record instance " + command.action() + " " + command.requestId() + " for node "
                + command.nodeId(), c -> {
                    if (!InstanceCommandTable.insert(c, at)) {
                        throw new IllegalStateException("instance command " + command.requestId() + " exists");
                    }
                    feed.announceCommand(c, command.requestId());
                    return null;
                });
    }

    @Override
    public List<InstanceCommand> pending(Instant since) {
        return tx.read("list pending instance commands", c -> InstanceCommandTable.pending(c, millis(since)));
    }

    @Override
    public boolean claim(String requestId) {
        return tx.write("claim instance command " + requestId, c -> InstanceCommandTable.claim(c, requestId));
    }

    @Override
    public boolean finish(String requestId, InstanceResult result) {
        return end(requestId, result, "'PENDING', 'SENT'", "finish");
    }

    @Override
    public boolean abandon(String requestId, InstanceResult result) {
        return end(requestId, result, "'PENDING'", "abandon");
    }

    private boolean end(String requestId, InstanceResult result, String from, String verb) {
        Objects.requireNonNull(result, "result");
        Instant now = millis(clock.instant());
        return tx.write(verb + " instance command " + requestId, c -> {
            boolean ended = InstanceCommandTable.finish(c, requestId, result, from, now);
            if (ended) {
                feed.announceCommand(c, requestId);
            }
            return ended;
        });
    }

    @Override
    public Optional<InstanceCommand> command(String requestId) {
        return commands(List.of(requestId)).stream().findFirst();
    }

    @Override
    public List<InstanceCommand> commands(Collection<String> requestIds) {
        List<String> ids = List.copyOf(requestIds);
        return tx.read("read " + ids.size() + " instance commands", c -> InstanceCommandTable.byIds(c, ids));
    }

    @Override
    public boolean remove(String requestId) {
        return tx.write("remove instance command " + requestId, c -> InstanceCommandTable.remove(c, requestId));
    }

    @Override
    public int prune(Instant endedBefore, Instant recordedBefore) {
        return tx.write("prune instance commands", c -> InstanceCommandTable.prune(c, millis(endedBefore),
                millis(recordedBefore)));
    }

    @Override
    public void watch(Consumer<String> listener) {
        feed.watchCommands(Objects.requireNonNull(listener, "listener"));
    }

    private static Instant millis(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS);
    }
}
