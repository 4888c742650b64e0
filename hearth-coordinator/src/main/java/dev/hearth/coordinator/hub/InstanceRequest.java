// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.core.protocol.InstanceResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One instance command sent to a node: its steps as the node reports them and, once it ended, the node's result.
 * Holds no secret (the create's document went to the node and was not kept). A node reports steps as it likes, so
 * only the newest {@value #MAX_STEPS} are kept, each name cut to {@value #MAX_STEP_CHARS} characters, and the older
 * ones dropped are counted ({@link #droppedSteps()}). Thread-safe.
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

    /** The most steps kept; older ones are dropped. */
    public static final int MAX_STEPS = 32;
    /** The longest step name kept; longer ones are cut. */
    public static final int MAX_STEP_CHARS = 128;

    private final String id;
    private final String nodeId;
    private final String instanceId;
    private final String action;
    private final Instant createdAt;
    private final String owner;
    private final boolean claimed;
    private final java.util.ArrayDeque<Step> steps = new java.util.ArrayDeque<>();
    private long droppedSteps;
    private final CompletableFuture<InstanceResult> result = new CompletableFuture<>();

    InstanceRequest(String id, String nodeId, String instanceId, String action, Instant createdAt, String owner,
            boolean claimed) {
        this.id = id;
        this.owner = owner;
        this.claimed = claimed;
        this.nodeId = nodeId;
        this.instanceId = instanceId;
        this.action = action;
        this.createdAt = createdAt;
    }

    /** Who sent it: {@code role:name} of the caller, as the audit trail names callers. */
    public String owner() {
        return owner;
    }

    /** Whether this create made its caller the instance's owner (so a failed create gives the claim back). */
    boolean claimed() {
        return claimed;
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

    /** Steps dropped to keep within {@link #MAX_STEPS}. */
    public synchronized long droppedSteps() {
        return droppedSteps;
    }

    synchronized void step(String name, Instant at) {
        String kept = name == null ? "" : name.length() > MAX_STEP_CHARS ? name.substring(0, MAX_STEP_CHARS) : name;
        steps.addLast(new Step(kept, at));
        if (steps.size() > MAX_STEPS) {
            steps.removeFirst();
            droppedSteps++;
        }
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
