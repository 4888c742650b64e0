// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.core.log.LogFields;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.core.instance.InstanceDocument;
import dev.hearth.core.protocol.InstanceAction;
import dev.hearth.core.protocol.InstanceCreate;
import dev.hearth.core.protocol.InstanceList;
import dev.hearth.core.protocol.InstanceProgress;
import dev.hearth.core.protocol.InstanceResult;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries instance commands from the API to a node's agent and the answers back, and keeps the node inventory from
 * what agents report. Secrets pass through {@link #create} straight into the message to the node; they are neither
 * kept nor logged here. The last {@value #KEPT} requests stay readable for polling. Thread-safe.
 */
public final class InstanceRelay {

    private static final Logger log = LoggerFactory.getLogger(InstanceRelay.class);
    /** Requests kept for polling, newest; older ones are forgotten. */
    static final int KEPT = 1000;
    /** The code of a result made up by the coordinator when the node's connection closed before it answered. */
    public static final String NODE_DISCONNECTED = "node_disconnected";

    private final NodeInventory inventory = new NodeInventory();
    private final InstantSource clock;
    private final Tenants owners;
    private final Map<String, InstanceRequest> requests = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, InstanceRequest> eldest) {
            return size() > KEPT;
        }
    };

    /** A relay with an empty inventory, keeping who owns each instance in {@code owners}. */
    public InstanceRelay(InstantSource clock, Tenants owners) {
        this.clock = clock;
        this.owners = owners;
    }

    /** What nodes reported. */
    public NodeInventory inventory() {
        return inventory;
    }

    /**
     * Sends a create to a connected Hearth node.
     *
     * @param node the node's live session (the caller checked that it speaks hearth/1)
     * @param document the validated request, secrets included
     * @param owner the caller, {@code role:name}
     * @param claimed whether the caller's ownership was recorded for this create (and goes if the node refuses it)
     */
    public InstanceRequest create(NodeSession node, InstanceDocument document, String owner, boolean claimed) {
        InstanceRequest r = open(node.nodeId(), document.id(), "create", owner, claimed);
        if (!node.send(new InstanceCreate(r.id(), document))) {
            r.finish(InstanceResult.failed(r.id(), document.id(), NODE_DISCONNECTED, null, "node " + node.nodeId()
                    + " disconnected before the command reached it; nothing was created"));
            if (claimed) {
                owners.releaseInstance(node.nodeId(), document.id());
            }
        }
        try (var fields = LogFields.instance(node.nodeId(), document.id())) {
            log.info("sent instance create {} of '{}' to node {}", r.id(), document.id(), node.nodeId());
        }
        return r;
    }

    /**
     * Sends a lifecycle action ({@link InstanceAction#ACTIONS}: start, stop, restart, pause, resume, destroy) for
     * {@code owner} to a connected Hearth node.
     */
    public InstanceRequest act(NodeSession node, String instanceId, String action, String owner) {
        InstanceRequest r = open(node.nodeId(), instanceId, action, owner, false);
        if (!node.send(new InstanceAction(r.id(), instanceId, action))) {
            r.finish(InstanceResult.failed(r.id(), instanceId, NODE_DISCONNECTED, null, "node " + node.nodeId()
                    + " disconnected before the command reached it"));
        }
        try (var fields = LogFields.instance(node.nodeId(), instanceId)) {
            log.info("sent instance {} {} of '{}' to node {}", action, r.id(), instanceId, node.nodeId());
        }
        return r;
    }

    /**
     * Asks a connected Hearth node for the tail of an instance's guest output ({@link InstanceAction#LOGS}). The
     * answer's log is cut to {@link InstanceAction#LOG_BYTES} characters whatever the node sends; the caller
     * {@link #forget}s the request once it has its answer or gave up waiting, so no log stays in memory.
     */
    public InstanceRequest logs(NodeSession node, String instanceId, String owner) {
        InstanceRequest r = open(node.nodeId(), instanceId, InstanceAction.LOGS, owner, false);
        if (!node.send(new InstanceAction(r.id(), instanceId, InstanceAction.LOGS))) {
            r.finish(InstanceResult.failed(r.id(), instanceId, NODE_DISCONNECTED, null, "node " + node.nodeId()
                    + " disconnected before the read reached it"));
        }
        return r;
    }

    /** Drops a request, so a late answer to it is ignored. */
    public void forget(String requestId) {
        synchronized (requests) {
            requests.remove(requestId);
        }
    }

    private InstanceRequest open(String nodeId, String instanceId, String action, String owner, boolean claimed) {
        InstanceRequest r = new InstanceRequest(UUID.randomUUID().toString(), nodeId, instanceId, action,
                clock.instant(), owner, claimed);
        synchronized (requests) {
            requests.put(r.id(), r);
        }
        return r;
    }

    /** A request by id, while it is kept. */
    public Optional<InstanceRequest> request(String id) {
        synchronized (requests) {
            return Optional.ofNullable(requests.get(id));
        }
    }

    // ---- from the agents (MessageHandler)

    void registered(String nodeId, InstanceList reported) {
        inventory.replace(nodeId, reported.instances(), clock.instant());
    }

    void reported(String nodeId, InstanceList list) {
        inventory.replace(nodeId, list.instances(), clock.instant());
    }

    void progress(String nodeId, InstanceProgress p) {
        mine(nodeId, p.requestId()).ifPresent(r -> r.step(p.step(), clock.instant()));
    }

    void result(String nodeId, InstanceResult result) {
        Optional<InstanceRequest> r = mine(nodeId, result.requestId());
        if (r.isEmpty()) {
            log.warn("node {} answered instance request {}, which is not one of its requests (or was forgotten)",
                    nodeId, result.requestId());
            return;
        }
        if (InstanceAction.LOGS.equals(r.get().action())) {
            // a read changes nothing; a hostile node's oversized log is cut (the newest kept), and not logged here
            String text = result.log() == null ? "" : result.log();
            r.get().finish(text.length() <= InstanceAction.LOG_BYTES ? result : new InstanceResult(result.requestId(),
                    result.ok(), result.instanceId(), null, result.code(), result.field(), result.message(),
                    text.substring(text.length() - InstanceAction.LOG_BYTES)));
            return;
        }
        if (result.ok() && result.instance() != null) {
            inventory.update(nodeId, result.instance(), clock.instant());
        }
        if (result.ok() && "destroy".equals(r.get().action())) {
            inventory.remove(nodeId, r.get().instanceId(), clock.instant());
            owners.releaseInstance(nodeId, r.get().instanceId());
        } else if (!result.ok() && r.get().claimed()) {
            // the node refused the create (bad input, no room, an id it already has): the claim goes with it
            owners.releaseInstance(nodeId, r.get().instanceId());
        }
        try (var fields = LogFields.instance(nodeId, r.get().instanceId())) {
            log.info("node {} finished instance {} {} of '{}': {}", nodeId, r.get().action(), r.get().id(),
                    r.get().instanceId(), result.ok() ? "ok" : result.code() + " (" + result.message() + ")");
        }
        r.get().finish(result);
    }

    /** The node's connection closed: its unanswered requests end with {@link #NODE_DISCONNECTED}. */
    void disconnected(String nodeId) {
        java.util.List<InstanceRequest> open;
        synchronized (requests) {
            open = requests.values().stream().filter(r -> r.nodeId().equals(nodeId) && r.done().isEmpty()).toList();
        }
        for (InstanceRequest r : open) {
            r.finish(InstanceResult.failed(r.id(), r.instanceId(), NODE_DISCONNECTED, null, "node " + nodeId
                    + " disconnected before it answered; its instance list will show the outcome when it is back"));
        }
    }

    private Optional<InstanceRequest> mine(String nodeId, String requestId) {
        return request(requestId == null ? "" : requestId).filter(r -> r.nodeId().equals(nodeId));
    }
}
