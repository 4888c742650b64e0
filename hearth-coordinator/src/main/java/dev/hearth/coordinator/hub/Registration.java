// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.core.receipt.Ed25519;
import dev.hearth.core.log.LogFields;
import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TokenCheck;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.GpuReport;
import dev.hearth.core.protocol.HostInfo;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.LeaseRef;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.Register;
import dev.hearth.core.protocol.Registered;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a node: checks the protocol, the proof that it holds its key (Hearth) and its token, records the node,
 * and tells it which of the leases it claims to hold were taken from it. Thread-safe.
 */
final class Registration {

    private static final Logger log = LoggerFactory.getLogger(Registration.class);

    private final Store store;
    private final InstantSource clock;
    private final int heartbeatSeconds;

    Registration(Store store, InstantSource clock, int heartbeatSeconds) {
        this.store = store;
        this.clock = clock;
        this.heartbeatSeconds = heartbeatSeconds;
    }

    Optional<NodeSession> register(AgentConnection conn, Register r, AgentHub hub, LeaseClaims claims) {
        if (r.token() == null || r.token().isBlank()) {
            return refuse(conn, ErrorCode.TOKEN_REQUIRED, "Token is required");
        }
        if (r.protocol() != null && !r.hearth()) {
            return refuse(conn, ErrorCode.PROTOCOL_UNSUPPORTED, "protocol '" + r.protocol() + "' is not spoken here; "
                    + "this coordinator speaks " + Protocol.HEARTH_V1 + " and " + Protocol.HYPERNODE_V2);
        }
        HostInfo host = r.hostInfo() == null ? new HostInfo("unknown", null, null, null, null, null, null, null, null,
                null) : r.hostInfo();
        String hostname = orUnknown(host.hostname());
        String key;
        if (r.hearth() && conn.nonce() == null) {
            return refuse(conn, ErrorCode.PROTOCOL_UNSUPPORTED, "a " + Protocol.HEARTH_V1 + " register needs the "
                    + "hello nonce, which is sent only on connections that negotiate the WebSocket subprotocol: "
                    + "offer Sec-WebSocket-Protocol: " + Protocol.HEARTH_SUBPROTOCOL);
        }
        if (r.hearth()) {
            if (r.nodeKey() == null || r.signature() == null || !verifies(r.nodeKey(), conn.nonce(), r.signature())) {
                return refuse(conn, ErrorCode.BAD_SIGNATURE, "the register signature does not verify with nodeKey "
                        + "over this connection's hello nonce");
            }
            key = r.nodeKey();
        } else {
            key = "legacy:" + hostname;
        }
        TokenCheck check = store.authenticateToken(r.token(), key);
        String nodeId;
        switch (check) {
            case TokenCheck.Accepted a -> nodeId = a.nodeId();
            case TokenCheck.Unknown u -> {
                return refuse(conn, ErrorCode.INVALID_TOKEN, "Invalid token");
            }
            case TokenCheck.Expired e -> {
                return refuse(conn, ErrorCode.INVALID_TOKEN, "Invalid token: it expired before its first use");
            }
            case TokenCheck.BoundToOtherKey b -> {
                return refuse(conn, ErrorCode.TOKEN_BOUND_TO_OTHER_NODE,
                        "Token already used by another node (it is bound to that node's key)");
            }
        }
        Instant now = clock.instant();
        List<GpuInfo> gpus = host.gpus().stream()
                .map(g -> new GpuInfo(g.index(), g.model() == null ? "unknown" : g.model(), g.vramTotalMib(), g.uuid()))
                .toList();
        store.upsertNode(new NodeRecord(nodeId, key, hostname, orUnknown(host.os()), orUnknown(host.arch()),
                host.cpus() == null ? 0 : host.cpus(), host.memoryBytes() == null ? 0 : host.memoryBytes(),
                host.runtimes(), gpus, orUnknown(host.agentVersion()), r.hearth() ? Protocol.HEARTH_V1 : Protocol.HYPERNODE_V2,
                NodeState.ONLINE, now, now));
        Capacity capacity = r.hearth() && r.capacity() != null ? r.capacity()
                : NodeSession.legacyCapacity(host.cpus(), host.memoryBytes(),
                        host.gpus().stream().map(GpuReport::index).toList());
        // a v2.0 node, or a Hearth agent from before runtimes, sends none: it runs Docker jobs only
        NodeSession session = conn.register(nodeId, r.hearth(), capacity, gpus, r.hearth() ? host.runtimes() : List.of());
        // From here until the new connection is registered, a scheduler pass finds no connection of this node: an
        // offer made on the older one, which the node is leaving (its close may not have arrived yet), would be lost.
        hub.retire(nodeId);
        if (r.hearth()) {
            // before the node can be offered anything new: a lease it does not name now was lost on the way
            Map<String, Long> claimed = new HashMap<>();
            r.held().forEach(h -> claimed.merge(h.jobId(), h.epoch(), Math::max));
            claims.claimed(nodeId, claimed, clock.instant());
        }
        // the session is found by the API once the node reads registered; the scheduler offers it nothing before
        // registered is queued (greeted), so no offer reaches the node ahead of it
        hub.registered(session);
        session.send(new Registered(nodeId, "Node registered", r.hearth() ? Protocol.HEARTH_V1 : null,
                r.hearth() ? heartbeatSeconds : null));
        session.greeted();
        for (LeaseRef held : r.held()) {
            if (MessageHandler.stale(store.job(held.jobId()), nodeId, held.epoch())) {
                try (var fields = LogFields.job(held.jobId(), nodeId, held.epoch(), null)) {
                    log.info("node {} holds job {} under epoch {}, which was taken from it; telling it to drop the job",
                        nodeId, held.jobId(), held.epoch());
                }
                session.send(new JobCancel(held.jobId(), held.epoch(), ErrorCode.STALE_LEASE.wireName()));
            }
        }
        try (var fields = LogFields.scope().with(LogFields.NODE, nodeId)) {
            log.info("node {} registered ({}, {}, {} slots, {} GPUs)", nodeId, hostname,
                    r.hearth() ? Protocol.HEARTH_V1 : Protocol.HYPERNODE_V2, capacity.slots(), gpus.size());
        }
        return Optional.of(session);
    }

    private static boolean verifies(String publicKeyBase64, String nonce, String signatureBase64) {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64)));
            return Ed25519.verify(key, Protocol.registrationChallenge(nonce),
                    Base64.getDecoder().decode(signatureBase64));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private Optional<NodeSession> refuse(AgentConnection conn, ErrorCode code, String message) {
        log.warn("refused registration: {} ({})", code.wireName(), message);
        conn.sendRaw(ErrorMessage.of(code, message));
        conn.close(1008, code.wireName());
        return Optional.empty();
    }

    /** hostInfo requires only the hostname; what an agent leaves out is stored as "unknown". */
    private static String orUnknown(String reported) {
        return reported == null || reported.isBlank() ? "unknown" : reported;
    }
}
