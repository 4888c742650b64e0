// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides where queued jobs go: in priority then age order, each to the node that fits it now and is least loaded,
 * counting a node's preference (reputation and stake) as negative load (then most preferred, then with most free
 * memory), so load spreads and leans towards trusted nodes. Copies of one k-of-n job never share a node: a copy
 * avoids nodes that hold or held another copy, and those given one earlier in the same pass. A job that fits nowhere
 * now is passed over
 * (smaller jobs behind it may still run) and gets a reason: waiting for capacity, or, when no registered node could
 * ever hold it, what it asks for against what the largest node offers. A pure function of its inputs.
 */
public final class Placement {

    /**
     * One decision.
     *
     * @param jobId the job
     * @param nodeId where it goes, or empty when it stays queued
     * @param gpuIndexes the node's GPUs it gets
     * @param reason why it stays queued, else null
     */
    public record Decision(String jobId, Optional<String> nodeId, List<Integer> gpuIndexes, String reason) {
    }

    private Placement() {
    }

    /** Places {@code queue} on {@code nodes}; returns one decision per job, in queue order. */
    public static List<Decision> place(List<JobNeeds> queue, List<NodeView> nodes) {
        List<JobNeeds> ordered = new ArrayList<>(queue);
        ordered.sort(Comparator.comparingInt(JobNeeds::priority).reversed()
                .thenComparing(JobNeeds::submittedAt).thenComparing(JobNeeds::jobId));
        Map<String, NodeView> working = new LinkedHashMap<>();
        nodes.forEach(n -> working.put(n.nodeId(), n));
        List<Decision> decisions = new ArrayList<>();
        // Nodes given a copy of a k-of-n job in this pass, by that job: its other copies go elsewhere.
        Map<String, Set<String>> copiesPlaced = new HashMap<>();
        for (JobNeeds job : ordered) {
            Set<String> taken = job.copyOf() == null ? Set.of()
                    : copiesPlaced.computeIfAbsent(job.copyOf(), k -> new HashSet<>());
            // A plain loop with primitive comparisons: this runs jobs x nodes times a pass, and a stream with a
            // boxing comparator chain cost about ten times as much with thousands of nodes.
            NodeView node = null;
            boolean fitsAvoided = false;
            for (NodeView n : working.values()) {
                if (!n.fitsNow(job)) {
                    continue;
                }
                if (job.avoid().contains(n.nodeId()) || taken.contains(n.nodeId())) {
                    fitsAvoided = true;
                } else if (node == null || better(n, node)) {
                    node = n;
                }
            }
            if (node != null) {
                List<Integer> gpus = node.freeGpus(job.minVramMib()).stream().limit(job.gpus())
                        .map(NodeView.Gpu::index).toList();
                working.put(node.nodeId(), node.plus(job, gpus));
                decisions.add(new Decision(job.jobId(), Optional.of(node.nodeId()), gpus, null));
                if (job.copyOf() != null) {
                    taken.add(node.nodeId());
                }
            } else if (fitsAvoided) {
                decisions.add(new Decision(job.jobId(), Optional.empty(), List.of(), "redundancy: waiting for a "
                        + "node that holds no other copy of job " + job.copyOf() + " (copies of a k-of-n job run on "
                        + "distinct nodes; " + union(job.avoid(), taken).size() + " node(s) hold or held one)"));
            } else {
                decisions.add(new Decision(job.jobId(), Optional.empty(), List.of(), whyNot(job, nodes)));
            }
        }
        return decisions;
    }

    /**
     * How much load a unit of preference outweighs: a node preferred by 1 more (a perfect reputation against a
     * middling one, or a full stake bonus) takes jobs until it is a quarter fuller than the other.
     */
    static final double PREFERENCE_WEIGHT = 0.25;

    /**
     * Least loaded once preference is counted (load minus {@link #PREFERENCE_WEIGHT} x preference), then most
     * preferred, then most free memory, then the smaller id. Between nodes of equal preference this is the order it
     * always was: least loaded first.
     */
    private static boolean better(NodeView a, NodeView b) {
        int c = Double.compare(a.load() - PREFERENCE_WEIGHT * a.preference(),
                b.load() - PREFERENCE_WEIGHT * b.preference());
        if (c == 0) {
            c = Double.compare(b.preference(), a.preference());
        }
        if (c == 0) {
            c = Long.compare(b.memoryBytes() - b.usedMemoryBytes(), a.memoryBytes() - a.usedMemoryBytes());
        }
        if (c == 0) {
            c = a.nodeId().compareTo(b.nodeId());
        }
        return c < 0;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static String whyNot(JobNeeds job, List<NodeView> nodes) {
        long able = nodes.stream().filter(n -> n.couldEverFit(job)).count();
        if (able > 0) {
            return "waiting for capacity: " + able + " of " + nodes.size() + " nodes could run it when free";
        }
        String wants = String.format("%.3f CPUs, %d MiB memory, %d GPUs%s", job.nanoCpus() / 1e9,
                job.memoryBytes() >> 20, job.gpus(), job.minVramMib() > 0 ? " with " + job.minVramMib() + " MiB each" : "");
        if (nodes.isEmpty()) {
            return "no node is registered; the job needs " + wants;
        }
        NodeView largest = nodes.stream().max(Comparator.comparingLong(NodeView::memoryBytes)).orElseThrow();
        return "no registered node can ever fit this job: it needs " + wants + "; the largest node ("
                + largest.nodeId() + ") offers " + String.format("%.3f CPUs, %d MiB memory, %d GPUs",
                largest.nanoCpus() / 1e9, largest.memoryBytes() >> 20, largest.gpus().size());
    }
}
