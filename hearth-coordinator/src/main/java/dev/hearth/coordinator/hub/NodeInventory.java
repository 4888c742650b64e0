// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.core.protocol.InstanceReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest instance list each Hearth node reported, in memory. Why not the store: the agent's state folder is the
 * truth, every registration carries the whole list and every change sends it again, so a restarted coordinator
 * knows each node's instances again as soon as the node reconnects; keeping a copy on disk would only add a second,
 * older truth. A node that disconnects keeps its last list (shown with the time it was reported). Thread-safe.
 */
public final class NodeInventory {

    /**
     * One node's instances as last reported.
     *
     * @param instances sorted by id
     * @param reportedAt when the coordinator received the list
     */
    public record Snapshot(List<InstanceReport> instances, Instant reportedAt) {

        public Snapshot {
            instances = instances.stream().sorted(Comparator.comparing(InstanceReport::id)).toList();
        }
    }

    private final Map<String, Snapshot> nodes = new ConcurrentHashMap<>();

    /** Replaces a node's list. */
    void replace(String nodeId, List<InstanceReport> instances, Instant at) {
        nodes.put(nodeId, new Snapshot(instances, at));
    }

    /** Puts one instance's fresher report into its node's list (from a command's result). */
    void update(String nodeId, InstanceReport report, Instant at) {
        nodes.compute(nodeId, (id, old) -> {
            List<InstanceReport> list = new ArrayList<>(old == null ? List.of() : old.instances());
            list.removeIf(r -> r.id().equals(report.id()));
            list.add(report);
            return new Snapshot(list, at);
        });
    }

    /** Drops one instance from its node's list (a destroy that succeeded). */
    void remove(String nodeId, String instanceId, Instant at) {
        nodes.computeIfPresent(nodeId, (id, old) -> new Snapshot(old.instances().stream()
                .filter(r -> !r.id().equals(instanceId)).toList(), at));
    }

    /** A node's last list; empty when it never reported one (a v2.0 node, or one not seen since this start). */
    public Optional<Snapshot> of(String nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    /** Every node's last list, by node id. */
    public Map<String, Snapshot> all() {
        return Map.copyOf(nodes);
    }
}
