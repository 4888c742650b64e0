// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import dev.hearth.coordinator.hub.TransportLimits;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.scheduler.LeasePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a coordinator runs.
 *
 * @param host address to listen on (default 127.0.0.1)
 * @param port port to listen on (default 7070; 0 picks a free one)
 * @param dataDir where the store and the admin token live
 * @param heartbeatInterval the interval agents are asked to heartbeat at (HN_HEARTBEAT_INTERVAL, 10 s)
 * @param lostAfter silence after which a node is lost and its jobs placed elsewhere (default 3 intervals)
 * @param maxFrameBytes largest agent message accepted, after reassembly
 * @param tick how often the scheduler and the lost-node watch run without being woken
 * @param ledger pricing, stake preference and the settlement webhook
 * @param transport what the agents' WebSocket lets an unregistered or slow peer hold (caps, deadlines, queues)
 * @param leases lease deadlines' grace, per-node capacity limits and the automatic cordon
 * @param retainFinished how long a finished job is kept whole before its spec, result, logs and receipt are pruned
 *     to a tombstone (its ledger entries stay); {@link Duration#ZERO} keeps every job whole
 * @param idempotencyRetention how long a create's {@code Idempotency-Key} and its answer are kept for retries
 * @param webhookAllow address ranges webhook URLs may point into although internal (loopback, private, link-local
 *     are refused otherwise), such as {@code 127.0.0.0/8} for a receiver on this host
 * @param jobLogs the full logs' cap per job and the longest log follow
 */
public record CoordinatorConfig(String host, int port, Path dataDir, Duration heartbeatInterval, Duration lostAfter,
        int maxFrameBytes, Duration tick, LedgerConfig ledger, TransportLimits transport, LeasePolicy leases,
        Duration retainFinished, Duration idempotencyRetention, java.util.List<String> webhookAllow,
        dev.hearth.coordinator.logs.JobLogLimits jobLogs) {

    /** The default port. */
    public static final int DEFAULT_PORT = 7070;

    /** How long finished jobs are kept whole by default: 30 days. */
    public static final Duration DEFAULT_RETAIN_FINISHED = Duration.ofDays(30);

    /** How long Idempotency-Keys are kept by default: 24 hours. */
    public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);

    public CoordinatorConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(leases, "leases");
        Objects.requireNonNull(retainFinished, "retainFinished");
        if (retainFinished.isNegative()) {
            throw new IllegalArgumentException("retain-finished must be a positive duration or 0 (keep every job), "
                    + "got " + retainFinished);
        }
        Objects.requireNonNull(idempotencyRetention, "idempotencyRetention");
        Objects.requireNonNull(jobLogs, "jobLogs");
        webhookAllow = java.util.List.copyOf(webhookAllow);
        if (idempotencyRetention.isNegative() || idempotencyRetention.isZero()) {
            throw new IllegalArgumentException("idempotency-retention must be a positive duration (e.g. 24h), got "
                    + idempotencyRetention);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        }
        if (lostAfter.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("lost-after (" + lostAfter + ") must be longer than the heartbeat "
                    + "interval (" + heartbeatInterval + ")");
        }
    }

    /** A coordinator with the ledger's defaults (free jobs, no webhook). */
    public CoordinatorConfig(String host, int port, Path dataDir, Duration heartbeatInterval, Duration lostAfter,
            int maxFrameBytes, Duration tick) {
        this(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, LedgerConfig.DEFAULTS);
    }

    /**
     * A coordinator with the transport's defaults ({@link TransportLimits#DEFAULTS}) and the default lease policy
     * ({@link LeasePolicy#DEFAULTS}).
     */
    public CoordinatorConfig(String host, int port, Path dataDir, Duration heartbeatInterval, Duration lostAfter,
            int maxFrameBytes, Duration tick, LedgerConfig ledger) {
        this(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger, TransportLimits.DEFAULTS,
                LeasePolicy.DEFAULTS);
    }

    /** A coordinator that keeps finished jobs whole for {@link #DEFAULT_RETAIN_FINISHED}. */
    public CoordinatorConfig(String host, int port, Path dataDir, Duration heartbeatInterval, Duration lostAfter,
            int maxFrameBytes, Duration tick, LedgerConfig ledger, TransportLimits transport, LeasePolicy leases) {
        this(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger, transport, leases,
                DEFAULT_RETAIN_FINISHED, DEFAULT_IDEMPOTENCY_RETENTION, java.util.List.of(),
                dev.hearth.coordinator.logs.JobLogLimits.DEFAULTS);
    }

    /** This config with another ledger config. */
    public CoordinatorConfig withLedger(LedgerConfig value) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, value,
                transport, leases, retainFinished, idempotencyRetention, webhookAllow, jobLogs);
    }

    /** This config with other transport limits. */
    public CoordinatorConfig withTransport(TransportLimits value) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger,
                value, leases, retainFinished, idempotencyRetention, webhookAllow, jobLogs);
    }

    /** This config with another lease policy. */
    public CoordinatorConfig withLeases(LeasePolicy value) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger,
                transport, value, retainFinished, idempotencyRetention, webhookAllow, jobLogs);
    }

    /** This config keeping finished jobs whole for {@code value} ({@link Duration#ZERO}: for ever). */
    public CoordinatorConfig withRetainFinished(Duration value) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger,
                transport, leases, value, idempotencyRetention, webhookAllow, jobLogs);
    }

    /** This config keeping Idempotency-Keys for {@code value}. */
    public CoordinatorConfig withIdempotencyRetention(Duration value) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger,
                transport, leases, retainFinished, value, webhookAllow, jobLogs);
    }

    /** This config letting webhook URLs point into {@code cidrs} ({@code 127.0.0.0/8}, ...). */
    public CoordinatorConfig withWebhookAllow(java.util.List<String> cidrs) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger,
                transport, leases, retainFinished, idempotencyRetention, cidrs, jobLogs);
    }

    /** This config with other limits of the jobs' full logs. */
    public CoordinatorConfig withJobLogs(dev.hearth.coordinator.logs.JobLogLimits value) {
        return new CoordinatorConfig(host, port, dataDir, heartbeatInterval, lostAfter, maxFrameBytes, tick, ledger,
                transport, leases, retainFinished, idempotencyRetention, webhookAllow, value);
    }

    /** Defaults: 127.0.0.1:7070, heartbeats every 10 s, lost after 30 s, 4 MiB frames, 1 s tick. */
    public static CoordinatorConfig defaults(Path dataDir) {
        return new CoordinatorConfig("127.0.0.1", DEFAULT_PORT, dataDir, Duration.ofSeconds(10),
                Duration.ofSeconds(30), dev.hearth.core.protocol.Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofSeconds(1));
    }
}
