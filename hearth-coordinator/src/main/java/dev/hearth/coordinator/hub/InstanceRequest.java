package dev.hearth.coordinator.hub;

import dev.hearth.core.protocol.InstanceResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One instance command sent to a node: its steps as the node reports them and, once it ended, the node's result.
 * Holds no secret (the create's document went to the node and was not kept). Thread-safe.
 */
public final class InstanceRequest {

    /**
     * A step the node reached.
     *
     * @param step its name
     * @param at when the coordinator heard of it
     */
    public record Step(String step, Instant at) {
    }

    private final String id;
    private final String nodeId;
    private final String instanceId;
    private final String action;
    private final Instant createdAt;
    private final List<Step> steps = new ArrayList<>();
    private final CompletableFuture<InstanceResult> result = new CompletableFuture<>();

    InstanceRequest(String id, String nodeId, String instanceId, String action, Instant createdAt) {
        this.id = id;
        this.nodeId = nodeId;
        this.instanceId = instanceId;
        this.action = action;
        this.createdAt = createdAt;
    }

    /** The request id. */
    public String id() {
        return id;
    }

    /** The node it was sent to. */
    public String nodeId() {
        return nodeId;
    }

    /** The instance. */
    public String instanceId() {
        return instanceId;
    }

    /** create, start, stop, restart or destroy. */
    public String action() {
        return action;
    }

    /** When it was sent. */
    public Instant createdAt() {
        return createdAt;
    }

    /** The steps so far, oldest first. */
    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    synchronized void step(String name, Instant at) {
        steps.add(new Step(name, at));
    }

    /** Completes with the node's answer (the first one wins). */
    void finish(InstanceResult r) {
        result.complete(r);
    }

    /** The result, completed when the node answers (or the node went away: a result with code node_disconnected). */
    public CompletableFuture<InstanceResult> result() {
        return result;
    }

    /** The result if there is one now. */
    public Optional<InstanceResult> done() {
        return Optional.ofNullable(result.getNow(null));
    }
}
