// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.receipt.Receipt;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A hostile node sends results whose receipts are malformed: each fails a named check at once, its job fails and its
 * hold is refunded (it used to throw in the oracle, retried forever, the job frozen in {@code verifying} with its
 * escrow held). And a result the oracle cannot judge at all (here: its stored form made unreadable) gets a
 * {@code failed} verdict on the check {@code oracle} after the bounded attempts, refunded too.
 */
@DisplayName("Malformed receipts fail a named check; a result the oracle cannot judge fails after bounded attempts")
class MalformedReceiptTest extends AdversaryScenario {

    /**
     * A malformed shape: how it alters an honest signed result's frame, and the check that must refuse it (null: the
     * frame does not decode, and is refused as an invalid message before it is a result).
     */
    enum Shape {
        RECEIPT_WITHOUT_SIGNATURE("signature", (f, k) -> f.putNull("signature")),
        SIGNATURE_WITHOUT_RECEIPT("node_key", (f, k) -> f.putNull("receipt")),
        SIGNATURE_NOT_BASE64("signature", (f, k) -> f.put("signature", "%%%not base64%%%")),
        SIGNATURE_OF_WRONG_TYPE(null, (f, k) -> f.putArray("signature").add(1).add(2)),
        RECEIPT_FIELDS_OF_WRONG_TYPE(null, (f, k) -> ((ObjectNode) f.get("receipt")).putObject("command")
                .put("run", "x")),
        RECEIPT_NOT_AN_OBJECT(null, (f, k) -> f.put("receipt", "a receipt")),
        HUGE_SIGNED_FIELD("receipt", (f, k) -> resign(f, k, "y".repeat(300_000)));

        final String check;
        final BiFunction<ObjectNode, KeyPair, ObjectNode> alter;

        Shape(String check, java.util.function.BiConsumer<ObjectNode, KeyPair> alter) {
            this.check = check;
            this.alter = (f, k) -> {
                alter.accept(f, k);
                return f;
            };
        }
    }

    /** Puts a huge image name in the receipt and signs it properly: only the receipt check can catch it. */
    private static void resign(ObjectNode frame, KeyPair key, String image) {
        try {
            Receipt r = Json.mapper().treeToValue(frame.get("receipt"), Receipt.class);
            Receipt huge = new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), image,
                    r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(), r.timestamp(),
                    r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(), r.logsHash(),
                    r.executionHash(), r.outputs());
            frame.set("receipt", Json.mapper().valueToTree(huge));
            frame.put("signature", ResultFrames.sign(huge, key));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private record Hostile(ScriptedAgent agent, KeyPair key, String id) {
    }

    private Hostile hostileNode() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ScriptedAgent a = coordinator.closeLater(new ScriptedAgent(coordinator.port()));
        a.send(ResultFrames.hearthRegister(coordinator.token(), key, a.expect("hello").get("nonce").asText(), 1));
        return new Hostile(a, key, a.expect("registered").get("nodeId").asText());
    }

    @ParameterizedTest(name = "{0}: refused by the check {1}")
    @EnumSource(Shape.class)
    @DisplayName("each malformed shape fails a named check at once; the job fails and its hold is refunded")
    void malformedShapeFailsItsCheck(Shape shape) throws Exception {
        coordinator = AdversaryCoordinator.start(AdversaryCoordinator.config(data), OracleSettings.DEFAULTS);
        Hostile node = hostileNode();
        String id = coordinator.submit("ok", "10s", 0);
        JsonNode offer = node.agent().expect("job");
        JobResultMessage honest = ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0);
        ObjectNode frame = (ObjectNode) Json.mapper().readTree(ResultFrames.frame(honest));

        node.agent().send(shape.alter.apply(frame, node.key()).toString());

        if (shape.check == null) {
            // not a result at all: refused as such, the job stays leased and can still be cancelled and refunded
            assertThat(node.agent().expect("error").path("code").asText()).isEqualTo("invalid_message");
            assertThat(coordinator.job(id).path("state").asText()).isEqualTo("leased");
            coordinator.api("POST", "/v1/jobs/" + id + "/cancel", null);
            coordinator.awaitJob(id, "cancelled");
        } else {
            JsonNode ack = node.agent().expect("result_ack");
            assertThat(ack.path("accepted").asBoolean()).as(ack.toString()).isFalse();
            assertThat(ack.path("code").asText()).as(ack.toString()).isEqualTo("verification_failed");
            assertThat(ack.path("check").asText()).as(ack.toString()).isEqualTo(shape.check);
            JsonNode job = coordinator.awaitJob(id, "failed");
            assertThat(job.at("/verdict/failedCheck").asText()).isEqualTo(shape.check);
            assertThat(job.path("reason").asText()).contains(shape.check).hasSizeLessThan(4000);
            assertThat(job.toString()).as("the stored verdict stays small").hasSizeLessThan(20_000);
        }
        node.agent().closeNormally();
        coordinator.awaitGone(node.id());
        AdversaryChecks.after(coordinator, Set.of(node.id()));
    }

    @Test
    @DisplayName("a result whose every verification attempt throws fails on the check oracle after the bounded "
            + "attempts, visibly, and its hold is refunded")
    void unjudgeableResultFailsAfterBoundedAttempts() throws Exception {
        coordinator = AdversaryCoordinator.start(AdversaryCoordinator.config(data),
                new OracleSettings(dev.hearth.coordinator.oracle.OraclePolicy.DEFAULTS, List.of(), true)
                        .withAttempts(3, Duration.ofMillis(50)));
        Hostile node = hostileNode();
        String id = coordinator.submit("ok", "10s", 0);
        JsonNode offer = node.agent().expect("job");
        node.agent().send(ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0)));
        assertThat(node.agent().expect("result_ack").path("verdict").asText()).isEqualTo("pending");
        // the oracle throws on every attempt: the job's stored spec no longer reads back
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                PreparedStatement s = db.prepareStatement("UPDATE jobs SET spec_json = ? WHERE id = ?")) {
            s.setString(1, "{\"unreadable\":");
            s.setString(2, id);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }

        coordinator.server.verifier().resume();

        JsonNode job = coordinator.awaitJob(id, "failed");
        assertThat(job.at("/verdict/outcome").asText()).isEqualTo("failed");
        assertThat(job.at("/verdict/failedCheck").asText()).isEqualTo("oracle");
        assertThat(job.path("reason").asText()).contains("oracle").contains("after 3 attempts");
        AdversaryCoordinator.await("the hold is refunded", () -> {
            try {
                return coordinator.job(id).path("payment").asText().equals("refunded");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        node.agent().closeNormally();
        coordinator.awaitGone(node.id());
        AdversaryChecks.after(coordinator, Set.of(node.id()));
    }
}
