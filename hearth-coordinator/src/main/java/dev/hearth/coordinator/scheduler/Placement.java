// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides where queued jobs go: in priority then age order, each to the node that fits it now and is least loaded,
 * counting a node's preference (reputation and stake) as negative load (then most preferred, then with most free
 * memory), so load spreads and leans towards trusted nodes. Copies of one k-of-n job never share a node: a copy
 * avoids nodes that hold or held another copy, and those given one earlier in the same pass. A job that fits nowhere
 * now is passed over
 * (smaller jobs behind it may still run) and gets a reason: waiting for capacity, or, when no registered node could
 * ever hold it, what it asks for against what the largest node offers. A job goes only to a node offering its sandbox
 * runtime ({@code docker}, {@code qemu}, ...); one that no connected node offers waits, and its reason says so. A
 * pure function of its inputs.
 *
 * <p>Cost: the nodes are sorted once a pass (n log n) and each job walks them in preference order until one fits,
 * which for a node with room is the first; a job that fits nowhere walks them all once per job shape a pass. Not
 * jobs x nodes.
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
        // The index: nodes in preference order (best first), by the runtime they offer and those with GPUs apart,
        // so a job takes the first node that fits instead of scoring every node, and a microVM job walks only the
        // nodes that offer its runtime; a node is taken out and put back when its load changes. A job shape (runtime
        // included) that fitted nowhere fails again for any later job asking as much or more in the same pass
        // (capacity only shrinks within a pass), so a long queue waiting for capacity costs no scan per job.
        Map<String, NavigableSet<NodeView>> byRuntime = new HashMap<>();
        NavigableSet<NodeView> withGpus = new TreeSet<>(Placement::compare);
        for (NodeView n : working.values()) {
            for (String runtime : n.runtimes()) {
                byRuntime.computeIfAbsent(runtime, r -> new TreeSet<>(Placement::compare)).add(n);
            }
            if (!n.gpus().isEmpty()) {
                withGpus.add(n);
            }
        }
        List<JobNeeds> failedShapes = new ArrayList<>();
        Map<List<Object>, String> reasons = new HashMap<>();
        List<Decision> decisions = new ArrayList<>();
        // Nodes given a copy of a k-of-n job in this pass, by that job: its other copies go elsewhere.
        Map<String, Set<String>> copiesPlaced = new HashMap<>();
        for (JobNeeds job : ordered) {
            Set<String> taken = job.copyOf() == null ? Set.of()
                    : copiesPlaced.computeIfAbsent(job.copyOf(), k -> new HashSet<>());
            NodeView node = null;
            boolean fitsAvoided = false;
            if (!dominatesFailed(job, failedShapes)) {
                for (NodeView n : job.gpus() > 0 ? withGpus
                        : byRuntime.getOrDefault(job.runtime(), java.util.Collections.emptyNavigableSet())) {
                    if (!n.fitsNow(job)) {
                        continue;
                    }
                    if (job.avoid().contains(n.nodeId()) || taken.contains(n.nodeId())) {
                        fitsAvoided = true;
                    } else {
                        node = n; // the first that fits in preference order is the best that fits
                        break;
                    }
                }
                if (node == null && !fitsAvoided) {
                    failedShapes.add(job);
                }
            }
            if (node != null) {
                List<Integer> gpus = node.freeGpus(job.minVramMib()).stream().limit(job.gpus())
                        .map(NodeView.Gpu::index).toList();
                NodeView after = node.plus(job, gpus);
                working.put(node.nodeId(), after);
                for (String runtime : node.runtimes()) {
                    NavigableSet<NodeView> offering = byRuntime.get(runtime);
                    offering.remove(node);
                    offering.add(after);
                }
                if (withGpus.remove(node)) {
                    withGpus.add(after);
                }
                decisions.add(new Decision(job.jobId(), Optional.of(node.nodeId()), gpus, null));
                if (job.copyOf() != null) {
                    taken.add(node.nodeId());
                }
            } else if (fitsAvoided) {
                decisions.add(new Decision(job.jobId(), Optional.empty(), List.of(), "redundancy: waiting for a "
                        + "node that holds no other copy of job " + job.copyOf() + " (copies of a k-of-n job run on "
                        + "distinct nodes; " + union(job.avoid(), taken).size() + " node(s) hold or held one)"));
            } else {
                decisions.add(new Decision(job.jobId(), Optional.empty(), List.of(), reasons.computeIfAbsent(
                        List.of(job.runtime(), job.nanoCpus(), job.memoryBytes(), (long) job.gpus(),
                                job.minVramMib()), k -> whyNot(job, nodes))));
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
    private static int compare(NodeView a, NodeView b) {
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
        return c;
    }

    /** Whether the job asks for at least as much as a shape that fitted on no node earlier in this pass. */
    private static boolean dominatesFailed(JobNeeds job, List<JobNeeds> failed) {
        for (JobNeeds f : failed) {
            if (job.runtime().equals(f.runtime()) && job.nanoCpus() >= f.nanoCpus()
                    && job.memoryBytes() >= f.memoryBytes() && job.gpus() >= f.gpus()
                    && job.minVramMib() >= f.minVramMib()) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static String runtimeNote(JobNeeds job) {
        return job.runtime().equals(JobNeeds.DEFAULT_RUNTIME) ? "" : " in the " + job.runtime() + " runtime";
    }

    private static String whyNot(JobNeeds job, List<NodeView> nodes) {
        long able = nodes.stream().filter(n -> n.couldEverFit(job)).count();
        if (able > 0) {
            return "waiting for capacity: " + able + " of " + nodes.size() + " nodes could run it when free";
        }
        String wants = String.format("%.3f CPUs, %d MiB memory, %d GPUs%s", job.nanoCpus() / 1e9,
                job.memoryBytes() >> 20, job.gpus(), job.minVramMib() > 0 ? " with " + job.minVramMib() + " MiB each" : "");
        if (nodes.isEmpty()) {
            return "no node is registered; the job needs " + wants + runtimeNote(job);
        }
        if (nodes.stream().noneMatch(n -> n.runtimes().contains(job.runtime()))) {
            Set<String> offered = new TreeSet<>();
            nodes.forEach(n -> offered.addAll(n.runtimes()));
            return "no connected node offers the " + job.runtime() + " runtime the job asks for (the "
                    + nodes.size() + " connected node(s) offer " + String.join(", ", offered) + "); it waits for a "
                    + "node that offers it (hearth agent --runtimes "
                    + (job.runtime().equals(JobNeeds.DEFAULT_RUNTIME) ? "" : "docker,") + job.runtime() + ")";
        }
        NodeView largest = nodes.stream().filter(n -> n.runtimes().contains(job.runtime()))
                .max(Comparator.comparingLong(NodeView::memoryBytes)).orElseThrow();
        return "no registered node can ever fit this job: it needs " + wants + runtimeNote(job) + "; the largest "
                + (job.runtime().equals(JobNeeds.DEFAULT_RUNTIME) ? "" : job.runtime() + " ") + "node ("
                + largest.nodeId() + ") offers " + String.format("%.3f CPUs, %d MiB memory, %d GPUs",
                largest.nanoCpus() / 1e9, largest.memoryBytes() >> 20, largest.gpus().size());
    }
}
