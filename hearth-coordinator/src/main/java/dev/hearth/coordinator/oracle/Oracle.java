// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.store.Check;
import dev.hearth.coordinator.store.StoredSpec;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptVerifier;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Judges one stored result: runs every check in a fixed order and returns the verdict (it does not store it; the
 * {@link VerificationQueue} does). The checks, in order: {@code lease}, {@code unsigned}, {@code node_key},
 * {@code signature}, {@code replay}, {@code receipt}, {@code hashes}, {@code timing}, {@code completion}; the first
 * that fails is the reason a result is refused. docs/protocol.md says what each compares. Reads the store only;
 * thread-safe.
 */
public final class Oracle {

    private final Store store;
    private final OraclePolicy policy;

    /**
     * @param store where jobs, leases, nodes and earlier results are read
     * @param policy the operator's unsigned, timing and completion settings
     */
    public Oracle(Store store, OraclePolicy policy) {
        this.store = store;
        this.policy = policy;
    }

    /** The SHA-256 hex of a base64 signature's bytes, as the store indexes receipts; null for none or non-base64. */
    public static String receiptDigest(String signatureBase64) {
        if (signatureBase64 == null) {
            return null;
        }
        try {
            return ProofHashes.sha256Hex(Base64.getDecoder().decode(signatureBase64.strip()));
        } catch (IllegalArgumentException e) {
            return ProofHashes.sha256Hex(signatureBase64.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Judges a result that was accepted for verification. */
    public Verdict judge(ResultRecord result) {
        JobResultMessage m = result.message();
        Optional<JobRecord> job = store.job(result.jobId());
        Optional<Lease> lease = store.lease(result.jobId(), result.epoch());
        Optional<NodeRecord> node = store.node(result.nodeId());
        Optional<StoredSpec> spec = job.map(JobRecord::spec);
        Receipt receipt = m.receipt();
        boolean legacy = node.map(n -> Protocol.HYPERNODE_V2.equals(n.protocolVersion())).orElse(false);
        boolean unsigned = receipt == null && m.signature() == null;

        List<Check> checks = new ArrayList<>();
        checks.add(guarded("lease", () -> lease(result, job, lease)));
        checks.add(guarded("unsigned", () -> unsigned(result.nodeId(), unsigned, legacy)));
        Optional<PublicKey> key = node.filter(n -> !legacy).flatMap(n -> registeredKey(n.publicKey()));
        if (unsigned) {
            for (String name : List.of("node_key", "signature", "replay", "receipt")) {
                checks.add(Check.skipped(name, "the result carries no receipt"));
            }
        } else if (receipt == null) {
            // a signature over nothing: there is no receipt to name the key, to verify, or to compare
            String none = "the result carries a signature but no receipt; a signed result must carry both";
            checks.add(Check.fails("node_key", none));
            checks.add(Check.fails("signature", none));
            checks.add(Check.skipped("replay", none));
            checks.add(Check.fails("receipt", none));
        } else {
            checks.add(guarded("node_key", () -> nodeKey(receipt, key)));
            checks.add(guarded("signature", () -> signature(receipt, m.signature(), key)));
            checks.add(guarded("replay", () -> replay(result, m.signature())));
            checks.add(guarded("receipt", () -> ReceiptFields.check(receipt, m, result, spec, lease)));
        }
        checks.add(guarded("hashes", () -> hashes(m)));
        checks.add(guarded("timing", () -> policy.timing().judge(times(result, m, job, lease, spec))));
        checks.add(guarded("completion", () -> policy.completion().judge(m.status(), m.exitCode(), m.logs())));
        return Verdict.of(result.jobId(), result.epoch(), result.nodeId(), unsigned, checks);
    }

    /**
     * Runs one check; a result malformed in a way the check cannot read (a field of the wrong shape, a value out of
     * range) fails that check, naming what broke, instead of throwing: a hostile node's odd result gets a verdict.
     */
    private static Check guarded(String name, Supplier<Check> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            return Check.fails(name, "the result is malformed and could not be checked: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + clip(e.getMessage())));
        }
    }

    /** A message of a failure, cut to 200 characters: a hostile node's field must not fill the verdict. */
    private static String clip(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static Check lease(ResultRecord r, Optional<JobRecord> job, Optional<Lease> lease) {
        if (job.isEmpty()) {
            return Check.fails("lease", "job " + r.jobId() + " does not exist");
        }
        if (lease.isEmpty()) {
            return Check.fails("lease", "job " + r.jobId() + " was never leased under epoch " + r.epoch());
        }
        return Check.of("lease", lease.get().nodeId().equals(r.nodeId()), "job " + r.jobId() + " epoch " + r.epoch()
                + " was leased to node " + lease.get().nodeId() + "; the result came from node " + r.nodeId());
    }

    private Check unsigned(String nodeId, boolean unsigned, boolean legacy) {
        if (!unsigned) {
            return Check.holds("unsigned", "the result carries a signed receipt");
        }
        if (!legacy) {
            return Check.fails("unsigned", "node " + nodeId + " speaks " + Protocol.HEARTH_V1 + " and registered an "
                    + "Ed25519 key, so its results must carry a signed receipt; this one carries none");
        }
        return policy.unsigned() != OraclePolicy.Unsigned.DENY
                ? Check.holds("unsigned", "a Hypernode v2.0 result has no receipt; accepted unsigned (policy unsigned: "
                        + policy.unsigned().name().toLowerCase(java.util.Locale.ROOT) + ")")
                : Check.fails("unsigned", "a Hypernode v2.0 result has no receipt, and unsigned results are refused "
                        + "(policy unsigned: deny)");
    }

    private static Optional<PublicKey> registeredKey(String base64) {
        try {
            return Optional.of(NodeKeys.parse("node key", base64));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    private static Check nodeKey(Receipt receipt, Optional<PublicKey> key) {
        if (key.isEmpty()) {
            return Check.fails("node_key", "the node has no registered Ed25519 key to check the receipt against");
        }
        String registered = NodeKeys.fingerprint(key.get());
        return Check.of("node_key", registered.equals(receipt.nodeKeyFingerprint()), "the receipt names key "
                + receipt.nodeKeyFingerprint() + "; the node registered key " + registered);
    }

    private static Check signature(Receipt receipt, String signature, Optional<PublicKey> key) {
        if (signature == null) {
            return Check.fails("signature", "the receipt carries no signature");
        }
        if (key.isEmpty()) {
            return Check.fails("signature", "the node has no registered Ed25519 key");
        }
        boolean ok = ReceiptVerifier.verifies(receipt, signature, key.get());
        return Check.of("signature", ok, ok ? "Ed25519 signature verifies with the node's registered key "
                + NodeKeys.fingerprint(key.get()) : "the Ed25519 signature does not verify with the node's registered "
                + "key " + NodeKeys.fingerprint(key.get()) + " over the receipt's canonical bytes");
    }

    private Check replay(ResultRecord r, String signature) {
        String digest = receiptDigest(signature);
        List<ResultRecord> same = store.resultsWithReceiptDigest(digest);
        Optional<ResultRecord> earlier = same.stream().filter(o -> !o.jobId().equals(r.jobId()))
                .filter(o -> o.receivedAt().isBefore(r.receivedAt())
                        || (o.receivedAt().equals(r.receivedAt()) && o.jobId().compareTo(r.jobId()) < 0))
                .findFirst();
        return earlier.map(o -> Check.fails("replay", "this receipt signature was already presented for job "
                        + o.jobId() + " (epoch " + o.epoch() + ", node " + o.nodeId() + ") at " + o.receivedAt()))
                .orElseGet(() -> Check.holds("replay", "the receipt signature was presented for no other result"));
    }

    private static Check hashes(JobResultMessage m) {
        if (m.logsHash() == null && m.executionHash() == null) {
            return Check.skipped("hashes", "the result carries no hashes (the v2.0 error form)");
        }
        String logs = m.logs() == null ? "" : m.logs();
        String logsHash = ProofHashes.logsHash(logs);
        if (!logsHash.equals(m.logsHash())) {
            return Check.fails("hashes", "logsHash " + m.logsHash() + " does not recompute from the logs received ("
                    + logsHash + ")");
        }
        if (m.timestamp() == null) {
            return Check.holds("hashes", "logsHash recomputes; executionHash cannot (v2.0 sends no timestamp)");
        }
        String exec = ProofHashes.executionHash(m.id(), logs, m.exitCode(), m.status(), m.timestamp());
        return Check.of("hashes", exec.equals(m.executionHash()), exec.equals(m.executionHash())
                ? "logsHash and executionHash recompute from the logs and fields received"
                : "executionHash " + m.executionHash() + " does not recompute from jobId, logs, exitCode, status and "
                        + "timestamp (" + exec + ")");
    }

    private static TimingPolicy.Times times(ResultRecord r, JobResultMessage m, Optional<JobRecord> job,
            Optional<Lease> lease, Optional<StoredSpec> spec) {
        return new TimingPolicy.Times(job.map(JobRecord::submittedAt).orElse(r.receivedAt()),
                lease.map(Lease::grantedAt).orElse(null), r.receivedAt(),
                m.startedAt() == null ? null : Instant.ofEpochMilli(m.startedAt()),
                m.completedAt() == null ? null : Instant.ofEpochMilli(m.completedAt()),
                spec.map(s -> s.spec().timeoutSeconds()).orElse(0L), spec.map(StoredSpec::estimatedSeconds).orElse(0L));
    }
}
