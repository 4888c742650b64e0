// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ProtocolCodec;
import java.util.List;

/**
 * A registered node's live connection: what it offers and how to send to it. A send only queues the message on the
 * connection's {@link SessionWriter} and never blocks; a node that does not read what it is sent is closed by its
 * writer and handled as a disconnect. Thread-safe.
 */
public final class NodeSession {

    /** The runtime of a node whose inventory names none. */
    static final String DEFAULT_RUNTIME = dev.hearth.core.protocol.JobOffer.DEFAULT_RUNTIME;

    private final String nodeId;
    private final boolean hearth;
    private final Capacity capacity;
    private final List<GpuInfo> gpus;
    private final java.util.Set<String> runtimes;
    private final SessionWriter writer;
    private final java.util.function.Consumer<CoordinatorMessage> sent;
    private volatile boolean draining;
    private volatile boolean open = true;
    private volatile boolean greeted;

    NodeSession(String nodeId, boolean hearth, Capacity capacity, List<GpuInfo> gpus, List<String> runtimes,
            SessionWriter writer, java.util.function.Consumer<CoordinatorMessage> sent) {
        this.sent = sent;
        this.nodeId = nodeId;
        this.hearth = hearth;
        this.capacity = capacity;
        this.gpus = List.copyOf(gpus);
        this.runtimes = runtimes.isEmpty() ? java.util.Set.of(DEFAULT_RUNTIME) : java.util.Set.copyOf(runtimes);
        this.writer = writer;
    }

    /** The node's id. */
    public String nodeId() {
        return nodeId;
    }

    /** Whether the node speaks Hearth's protocol (else Hypernode v2.0). */
    public boolean hearth() {
        return hearth;
    }

    /** What the node offers to jobs. */
    public Capacity capacity() {
        return capacity;
    }

    /**
     * The GPUs the node reported when it registered, as the store holds them; kept here so that a scheduling pass
     * reads no node rows.
     */
    public List<GpuInfo> gpus() {
        return gpus;
    }

    /**
     * The sandbox runtimes the node offers jobs, as its inventory named them at registration; {@code docker} alone
     * for a node that named none (a v2.0 node, or a Hearth agent from before runtimes).
     */
    public java.util.Set<String> runtimes() {
        return runtimes;
    }

    /** Whether the node asked to take no new jobs. */
    public boolean draining() {
        return draining;
    }

    void draining(boolean value) {
        draining = value;
    }

    boolean open() {
        return open;
    }

    /**
     * Whether the node was sent {@code registered}: a scheduling pass offers jobs only to greeted sessions, so no
     * offer can reach a node ahead of its {@code registered}.
     */
    public boolean isGreeted() {
        return greeted;
    }

    void greeted() {
        greeted = true;
    }

    /**
     * Queues a message without waiting for the peer; false when the connection is gone or its send queue overflowed
     * (the caller leaves durable state as it is: the lost-node watch or the node's reconnect settles it).
     */
    public boolean send(CoordinatorMessage message) {
        if (!open) {
            return false;
        }
        if (!writer.send(ProtocolCodec.encode(message))) {
            open = false;
            return false;
        }
        sent.accept(message);
        return true;
    }

    void close(int code, String reason) {
        open = false;
        writer.close(code, reason);
    }

    void markClosed() {
        open = false;
    }

    /** Legacy nodes run one job at a time with what they reported; Hearth nodes say what they offer. */
    static Capacity legacyCapacity(Integer cpus, Long memoryBytes, List<Integer> gpus) {
        return new Capacity(1, cpus == null ? 2.0 : cpus, memoryBytes == null ? 8L << 30 : memoryBytes, gpus);
    }
}
