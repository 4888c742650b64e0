// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import dev.hearth.coordinator.store.NodeLimits;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the scheduler knows of one node: what it offers and what its current leases use.
 *
 * @param nodeId the node
 * @param accepting whether it takes new jobs (online, not draining)
 * @param slots jobs it runs at once
 * @param nanoCpus CPUs it offers, in billionths
 * @param memoryBytes memory it offers
 * @param gpus its GPUs
 * @param usedSlots jobs leased to it now
 * @param usedNanoCpus CPUs those jobs asked for
 * @param usedMemoryBytes memory those jobs asked for
 * @param usedGpus GPU indexes those jobs hold
 * @param preference higher is preferred among equally loaded nodes (reputation, stake)
 * @param runtimes the sandbox runtimes it offers jobs ({@code docker}, {@code qemu}, ...)
 */
public record NodeView(
        String nodeId,
        boolean accepting,
        int slots,
        long nanoCpus,
        long memoryBytes,
        List<Gpu> gpus,
        int usedSlots,
        long usedNanoCpus,
        long usedMemoryBytes,
        List<Integer> usedGpus,
        double preference,
        Set<String> runtimes) {

    /** A node offering Docker only. */
    public NodeView(String nodeId, boolean accepting, int slots, long nanoCpus, long memoryBytes, List<Gpu> gpus,
            int usedSlots, long usedNanoCpus, long usedMemoryBytes, List<Integer> usedGpus, double preference) {
        this(nodeId, accepting, slots, nanoCpus, memoryBytes, gpus, usedSlots, usedNanoCpus, usedMemoryBytes, usedGpus,
                preference, Set.of(JobNeeds.DEFAULT_RUNTIME));
    }

    /**
     * One GPU of a node.
     *
     * @param index device index
     * @param vramMib its memory, in MiB
     */
    public record Gpu(int index, long vramMib) {
    }

    public NodeView {
        Objects.requireNonNull(nodeId, "nodeId");
        gpus = List.copyOf(gpus);
        usedGpus = List.copyOf(usedGpus);
        runtimes = Set.copyOf(runtimes);
    }

    /** Fraction of slots in use, 0..1. */
    double load() {
        return slots == 0 ? 1 : (double) usedSlots / slots;
    }

    /** GPUs not held by a lease whose memory is at least {@code minVramMib}. */
    List<Gpu> freeGpus(long minVramMib) {
        return gpus.stream().filter(g -> !usedGpus.contains(g.index()) && g.vramMib() >= minVramMib).toList();
    }

    /** Whether the node, empty, could ever run a job of these needs. */
    boolean couldEverFit(JobNeeds job) {
        return runtimes.contains(job.runtime()) && slots > 0 && nanoCpus >= job.nanoCpus() && memoryBytes >= job.memoryBytes()
                && gpus.stream().filter(g -> g.vramMib() >= job.minVramMib()).count() >= job.gpus();
    }

    /** Whether the node can take the job now. */
    boolean fitsNow(JobNeeds job) {
        return accepting && runtimes.contains(job.runtime()) && usedSlots < slots && nanoCpus - usedNanoCpus >= job.nanoCpus()
                && memoryBytes - usedMemoryBytes >= job.memoryBytes()
                && (job.gpus() == 0 || freeGpus(job.minVramMib()).size() >= job.gpus());
    }

    /** This view with the job's resources added, holding {@code gpuIndexes}. */
    NodeView plus(JobNeeds job, List<Integer> gpuIndexes) {
        List<Integer> held = new java.util.ArrayList<>(usedGpus);
        held.addAll(gpuIndexes);
        return new NodeView(nodeId, accepting, slots, nanoCpus, memoryBytes, gpus, usedSlots + 1,
                usedNanoCpus + job.nanoCpus(), usedMemoryBytes + job.memoryBytes(), held, preference, runtimes);
    }

    /** This view clamped to {@code limits}: its slots, CPUs, memory and GPUs at most theirs. */
    NodeView clampedTo(NodeLimits limits) {
        return new NodeView(nodeId, accepting, Math.min(slots, limits.slots()), Math.min(nanoCpus, limits.nanoCpus()),
                Math.min(memoryBytes, limits.memoryBytes()), gpus.subList(0, Math.min(gpus.size(), limits.gpus())),
                usedSlots, usedNanoCpus, usedMemoryBytes, usedGpus, preference, runtimes);
    }
}
