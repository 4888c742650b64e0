// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptSigner;
import dev.hearth.core.receipt.ResourceUsage;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;

/**
 * Makes the results agents send, for scripted agents: a Hearth agent's honest one from a job offer, signed receipt
 * included, which a test may then tamper with field by field; and a Hypernode v2.0 agent's, which has no receipt.
 */
public final class ResultFrames {

    private ResultFrames() {
    }

    /** The job offer a scripted agent received. */
    public static JobOffer offer(JsonNode frame) throws ProtocolException {
        return (JobOffer) ProtocolCodec.decodeCoordinatorMessage(frame.toString());
    }

    /** An honest result of {@code offer} run on {@code nodeId}, signed with {@code key}; it ran 1.5 s, ending now. */
    public static JobResultMessage honest(JsonNode offerFrame, String nodeId, KeyPair key, String logs, long exitCode)
            throws ProtocolException {
        return honest(offerFrame, nodeId, key, logs, exitCode, List.of());
    }

    /** As {@link #honest(JsonNode, String, KeyPair, String, long)}, its receipt listing {@code outputs}. */
    public static JobResultMessage honest(JsonNode offerFrame, String nodeId, KeyPair key, String logs, long exitCode,
            List<dev.hearth.core.receipt.OutputFile> outputs) throws ProtocolException {
        JobOffer offer = offer(offerFrame);
        Instant end = Instant.now();
        JobResult r = JobResult.of(offer.id(), exitCode == 0 ? JobStatus.COMPLETED : JobStatus.FAILED, exitCode,
                offer.spec().image(), end.minusMillis(1500), end, logs, logs.length(), false, null);
        Receipt receipt = JobWire.receipt(r, nodeId, offer.epoch(), offer.spec(),
                NodeKeys.fingerprint(key.getPublic()), "sha256:" + "ab".repeat(32), ResourceUsage.UNKNOWN, outputs);
        return JobWire.resultMessage(r, nodeId, offer.epoch()).withReceipt(receipt, sign(receipt, key));
    }

    /** The signature of a receipt by a key. */
    public static String sign(Receipt receipt, KeyPair key) {
        return ReceiptSigner.sign(receipt, key.getPrivate());
    }

    /** A Hypernode v2.0 job_result (no receipt, no epoch, no timestamp), hashes included, completed now. */
    public static String legacy(String id, String nodeId, String logs) {
        String exec = ProofHashes.executionHash(id, logs, 0, "completed", "2026-11-23T09:00:00.000000Z");
        return "{\"type\":\"job_result\",\"id\":\"" + id + "\",\"nodeId\":\"" + nodeId + "\",\"status\":\"completed\","
                + "\"success\":true,\"logs\":" + Json.mapper().valueToTree(logs) + ",\"exitCode\":0,"
                + "\"executionHash\":\"" + exec + "\",\"logsHash\":\"" + ProofHashes.logsHash(logs) + "\","
                + "\"completedAt\":" + System.currentTimeMillis() + "}";
    }

    /** A Hearth agent's register, signed for this connection's hello nonce: 4 slots, 4 CPUs, 16 GiB, no GPUs. */
    public static String hearthRegister(String token, KeyPair key, String nonce) throws Exception {
        return hearthRegister(token, key, nonce, 4);
    }

    /** A Hearth agent's register with {@code slots} slots (0: it never gets a job), 4 CPUs, 16 GiB, no GPUs. */
    public static String hearthRegister(String token, KeyPair key, String nonce, int slots) throws Exception {
        return hearthRegister(token, key, nonce, slots, 4);
    }

    /** A Hearth agent's register with {@code slots} slots and {@code cpus} CPUs, 16 GiB, no GPUs. */
    public static String hearthRegister(String token, KeyPair key, String nonce, int slots, int cpus)
            throws Exception {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(dev.hearth.core.protocol.Protocol.registrationChallenge(nonce));
        return "{\"type\":\"register\",\"token\":\"" + token + "\",\"protocol\":\"hearth/1\",\"nodeKey\":\""
                + NodeKeys.encode(key.getPublic()) + "\",\"signature\":\""
                + java.util.Base64.getEncoder().encodeToString(s.sign()) + "\",\"hostInfo\":{\"hostname\":\"h2\","
                + "\"cpus\":" + cpus + ",\"memory_bytes\":17179869184,\"runtimes\":[\"docker\"]},\"capacity\":{\"slots\":"
                + slots + ",\"cpus\":" + cpus + ".0,\"memory_bytes\":17179869184,\"gpus\":[]},\"held\":[]}";
    }

    /** The frame of a message. */
    public static String frame(JobResultMessage m) {
        return ProtocolCodec.encode(m);
    }
}
