// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tamper suite: a real coordinator (store, WebSockets, oracle) and scripted nodes with real Ed25519 keys send
 * results altered one way each. Every one is refused with the check that catches it, its job fails, and no verdict
 * that would credit the node is ever announced; the honest result passes, and is credited exactly once.
 */
@DisplayName("Tamper suite: each altered result is refused with the right reason and never credited")
class TamperSuiteTest {

    @TempDir
    Path data;
    private OracleCluster cluster;
    private OracleCluster.Node node;

    @BeforeEach
    void start() throws Exception {
        cluster = new OracleCluster(data).start(new OraclePolicy(OraclePolicy.Unsigned.DENY, TimingPolicy.LENIENT,
                CompletionPolicy.EXIT_ZERO), false);
        node = cluster.hearthNode(4);
        // every job costs 1 credit, held from the submitter: the ledger pays the node only on a passing verdict
        cluster.api("POST", "/v1/ledger/deposits", "{\"account\":\"client:default\",\"amount\":\"100\"}");
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    /** Submits a job, takes its offer on {@code node}, and returns the offer. */
    private JsonNode offered(String command) throws Exception {
        String id = cluster.submit("{\"command\":[\"sh\",\"-c\",\"" + command + "\"],\"price\":\"1\"}");
        JsonNode offer = node.agent().expect("job");
        assertThat(offer.get("id").asText()).isEqualTo(id);
        return offer;
    }

    private JsonNode send(ScriptedAgent agent, JobResultMessage m) throws Exception {
        agent.send(ResultFrames.frame(m));
        return agent.expect("result_ack");
    }

    /** Asserts the result was refused by the oracle's {@code check}, the job failed, and nothing was credited. */
    private void refusedBy(JsonNode ack, String jobId, String check, String detail) throws Exception {
        assertThat(ack.get("accepted").asBoolean()).as(ack.toString()).isFalse();
        assertThat(ack.get("code").asText()).isEqualTo("verification_failed");
        assertThat(ack.get("check").asText()).as(ack.toString()).isEqualTo(check);
        assertThat(ack.get("verdict").asText()).isEqualTo("failed");
        assertThat(ack.get("reason").asText()).startsWith(check + ": ").contains(detail);
        JsonNode job = cluster.awaitJob(jobId, "failed");
        assertThat(job.at("/verdict/outcome").asText()).isEqualTo("failed");
        assertThat(job.at("/verdict/failedCheck").asText()).isEqualTo(check);
        assertThat(job.path("reason").asText()).contains(check).contains(detail);
        assertThat(cluster.credited(jobId)).as("verdicts crediting job %s", jobId).isZero();
        assertThat(cluster.heard.get(jobId)).as("the listener heard the failed verdict").hasSize(1);
        assertThat(cluster.settledPayment(jobId)).as("the ledger's settlement of job %s", jobId).isEqualTo("refunded");
    }

    private static JobResultMessage copy(JobResultMessage m, String id, long exitCode, String status, String logs,
            Long epoch) {
        return new JobResultMessage(id, m.nodeId(), status, "completed".equals(status), logs, exitCode,
                m.executionHash(), m.logsHash(), m.completedAt(), epoch, m.timestamp(), m.startedAt(),
                m.durationMillis(), m.logBytes(), m.logsTruncated(), m.message(), m.receipt(), m.signature());
    }

    private static Receipt withJob(Receipt r, String jobId) {
        return new Receipt(r.format(), jobId, r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(), r.timestamp(),
                r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(), r.logsHash(), r.executionHash(),
                r.outputs());
    }

    private static Receipt withFingerprint(Receipt r, String fingerprint) {
        return new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), fingerprint, r.image(), r.imageDigest(),
                r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(), r.timestamp(), r.exitCode(),
                r.status(), r.usage(), r.logBytes(), r.logsTruncated(), r.logsHash(), r.executionHash(), r.outputs());
    }

    @Test
    @DisplayName("an honest result passes, is credited exactly once, and a second copy of it is refused as already final")
    void honest() throws Exception {
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);

        JsonNode ack = send(node.agent(), m);

        assertThat(ack.get("accepted").asBoolean()).as(ack.toString()).isTrue();
        assertThat(ack.get("verdict").asText()).isEqualTo("passed");
        String id = offer.get("id").asText();
        JsonNode job = cluster.awaitJob(id, "completed");
        assertThat(job.at("/verdict/outcome").asText()).isEqualTo("passed");
        assertThat(job.at("/verdict/checks")).extracting(c -> c.get("outcome").asText()).containsOnly("holds");
        assertThat(job.at("/verdict/checks")).extracting(c -> c.get("name").asText()).containsExactly("lease",
                "unsigned", "node_key", "signature", "replay", "receipt", "hashes", "timing", "completion");
        JsonNode again = send(node.agent(), m);
        assertThat(again.get("accepted").asBoolean()).isFalse();
        assertThat(again.get("code").asText()).isEqualTo("already_final");
        assertThat(cluster.credited(id)).isEqualTo(1);
        assertThat(cluster.settledPayment(id)).isEqualTo("released");
        assertThat(cluster.api("GET", "/v1/nodes/" + node.id(), null).get("balance").asText()).as("paid once")
                .isEqualTo("1");
        assertThat(cluster.get("/v1/jobs/" + id + "/receipt").body()).contains(m.signature());
    }

    @Test
    @DisplayName("a flipped byte in the logs: the hashes no longer recompute")
    void flippedLogByte() throws Exception {
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);

        JsonNode ack = send(node.agent(), copy(m, m.id(), m.exitCode(), m.status(), "hj\n", m.epoch()));

        refusedBy(ack, m.id(), "hashes", "logsHash");
    }

    @Test
    @DisplayName("a changed exit code (a failed run reported as a success): the signed receipt disagrees")
    void changedExitCode() throws Exception {
        JsonNode offer = offered("exit 1");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "", 1);

        JsonNode ack = send(node.agent(), copy(m, m.id(), 0, "completed", m.logs(), m.epoch()));

        refusedBy(ack, m.id(), "receipt", "exitCode: 1 in the signed receipt, 0 expected");
    }

    @Test
    @DisplayName("a receipt signed for another job id: the receipt names the wrong job")
    void wrongJobId() throws Exception {
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);
        Receipt other = withJob(m.receipt(), "some-other-job");

        JsonNode ack = send(node.agent(), m.withReceipt(other, ResultFrames.sign(other, node.key())));

        refusedBy(ack, m.id(), "receipt", "jobId: some-other-job in the signed receipt, " + m.id() + " expected");
    }

    @Test
    @DisplayName("a receipt reused from a job that passed, presented for another job: a replay")
    void reusedReceipt() throws Exception {
        JsonNode first = offered("echo hi");
        JobResultMessage honest = ResultFrames.honest(first, node.id(), node.key(), "hi\n", 0);
        assertThat(send(node.agent(), honest).get("verdict").asText()).isEqualTo("passed");
        JsonNode second = offered("echo hi");
        String id = second.get("id").asText();

        JsonNode ack = send(node.agent(), copy(honest, id, 0, "completed", "hi\n", second.get("epoch").asLong()));

        refusedBy(ack, id, "replay", "already presented for job " + honest.id());
        assertThat(cluster.credited(honest.id())).as("the original stays credited once").isEqualTo(1);
        assertThat(cluster.api("GET", "/v1/nodes/" + node.id(), null).get("balance").asText())
                .as("the node was paid for the original only").isEqualTo("1");
    }

    @Test
    @DisplayName("a result under a stale lease epoch: refused as stale before it is verified")
    void staleEpoch() throws Exception {
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);

        JsonNode ack = send(node.agent(), copy(m, m.id(), 0, "completed", "hi\n", m.epoch() - 1));

        assertThat(ack.get("accepted").asBoolean()).isFalse();
        assertThat(ack.get("code").asText()).isEqualTo("stale_lease");
        assertThat(ack.has("verdict")).isFalse();
        assertThat(node.agent().expect("job_cancel").get("reason").asText()).isEqualTo("stale_lease");
        assertThat(cluster.job(m.id()).path("state").asText()).isIn("leased", "running");
        assertThat(cluster.heard).doesNotContainKey(m.id());
    }

    @Test
    @DisplayName("a receipt signed by another node's key: the signature does not verify with this node's key")
    void otherNodesKey() throws Exception {
        OracleCluster.Node other = cluster.hearthNode(0);
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);

        JsonNode ack = send(node.agent(), m.withReceipt(m.receipt(), ResultFrames.sign(m.receipt(), other.key())));

        refusedBy(ack, m.id(), "signature", "does not verify with the node's registered key");
    }

    @Test
    @DisplayName("a receipt signed by a forged key it names as its own: the key is not the node's registered one")
    void forgedPublicKey() throws Exception {
        KeyPair forged = OracleCluster.newKey();
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);
        Receipt claimed = withFingerprint(m.receipt(), NodeKeys.fingerprint(forged.getPublic()));

        JsonNode ack = send(node.agent(), m.withReceipt(claimed, ResultFrames.sign(claimed, forged)));

        refusedBy(ack, m.id(), "node_key", "the receipt names key " + NodeKeys.fingerprint(forged.getPublic()));
    }

    @Test
    @DisplayName("a Hearth node's result stripped of its receipt: refused, a Hearth node must sign")
    void strippedReceipt() throws Exception {
        JsonNode offer = offered("echo hi");
        JobResultMessage m = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);

        JsonNode ack = send(node.agent(), m.withReceipt(null, null));

        refusedBy(ack, m.id(), "unsigned", "must carry a signed receipt");
    }

    @Test
    @DisplayName("an unsigned Hypernode v2.0 result under the policy unsigned: deny is refused with error "
            + "verification_failed")
    void unsignedLegacyDenied() throws Exception {
        try (ScriptedAgent legacy = new ScriptedAgent(cluster.server.port())) {
            legacy.send("{\"type\":\"register\",\"token\":\"" + cluster.token() + "\",\"hostInfo\":{\"hostname\":"
                    + "\"v2\",\"os\":\"Linux\",\"arch\":\"x86_64\",\"cpus\":8,\"memory_bytes\":17179869184,"
                    + "\"gpus\":[],\"agent_version\":\"2.0.0-docker\"}}");
            String legacyId = legacy.expect("registered").get("nodeId").asText();
            // 6 CPUs: only the v2.0 node (8) fits, not the Hearth node (4)
            String id = cluster.submit("{\"command\":[\"echo\",\"hi\"],\"cpus\":\"6\"}");
            assertThat(legacy.expect("job").get("id").asText()).isEqualTo(id);

            legacy.send(ResultFrames.legacy(id, legacyId, "hi\n"));

            JsonNode error = legacy.expect("error");
            assertThat(error.get("code").asText()).isEqualTo("verification_failed");
            assertThat(error.get("message").asText()).startsWith("unsigned: ").contains("policy unsigned: deny");
            JsonNode job = cluster.awaitJob(id, "failed");
            assertThat(job.at("/verdict/failedCheck").asText()).isEqualTo("unsigned");
            assertThat(cluster.credited(id)).isZero();
        }
    }

    @ParameterizedTest(name = "unsigned: {0} -> {1}")
    @CsvSource({"allow,refunded,0", "pay,released,1"})
    @DisplayName("an unsigned v2.0 result is accepted as unsigned; the policy alone decides whether it is paid")
    void unsignedLegacyPaidByPolicy(String policy, String payment, String balance) throws Exception {
        cluster.stop();
        cluster.start(new OraclePolicy(OraclePolicy.Unsigned.parse("--unsigned", policy), TimingPolicy.LENIENT,
                CompletionPolicy.EXIT_ZERO), false);
        try (ScriptedAgent legacy = new ScriptedAgent(cluster.server.port())) {
            legacy.send("{\"type\":\"register\",\"token\":\"" + cluster.token() + "\",\"hostInfo\":{\"hostname\":"
                    + "\"v2\",\"os\":\"Linux\",\"arch\":\"x86_64\",\"cpus\":8,\"memory_bytes\":17179869184,"
                    + "\"gpus\":[],\"agent_version\":\"2.0.0-docker\"}}");
            String legacyId = legacy.expect("registered").get("nodeId").asText();
            String id = cluster.submit("{\"command\":[\"echo\",\"hi\"],\"cpus\":\"6\",\"price\":\"1\"}");
            assertThat(legacy.expect("job").get("id").asText()).isEqualTo(id);

            legacy.send(ResultFrames.legacy(id, legacyId, "hi\n"));

            JsonNode job = cluster.awaitJob(id, "completed");
            assertThat(job.at("/verdict/outcome").asText()).isEqualTo("unsigned");
            assertThat(cluster.settledPayment(id)).isEqualTo(payment);
            assertThat(cluster.api("GET", "/v1/nodes/" + legacyId, null).get("balance").asText()).isEqualTo(balance);
        }
    }
}
