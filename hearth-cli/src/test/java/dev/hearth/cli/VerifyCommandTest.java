// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.agent.node.NodeAgent;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptSigner;
import dev.hearth.core.receipt.SignedReceipt;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth verify} through the real command line, on a receipt made by a real agent running a real job on
 * Docker under a real coordinator, downloaded with {@code hearth job receipt}, its key exported with
 * {@code hearth node key}; then on copies tampered one way each.
 */
@DisplayName("hearth verify: an honest receipt verifies (exit 0); each tampered one fails (exit 1) naming the check")
class VerifyCommandTest {

    @TempDir
    static Path dir;
    private static CoordinatorServer coordinator;
    private static NodeAgent agent;
    private static Map<String, String> env;
    private static Path receipt;
    private static Path logs;
    private static Path key;
    private static String jobId;

    @BeforeAll
    static void realReceipt() throws Exception {
        DockerFixture.driver();
        Path data = dir.resolve("coordinator");
        coordinator = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(10), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
        env = new HashMap<>(System.getenv());
        env.put("HEARTH_COORDINATOR", "http://127.0.0.1:" + coordinator.port());
        env.put("HEARTH_TOKEN", Files.readString(data.resolve("admin.token")).strip());
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        CliRun token = CliRun.of(env, "token", "create");
        assertThat(token.exit()).as(token.err()).isZero();
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                + coordinator.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                Map.of("HN_NODE_TOKEN", token.out().strip()), null, state, 1);
        agent = new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state), Outbox.open(state),
                new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"), InstantSource.system());
        agent.start();

        CliRun submitted = CliRun.of(env, "job", "submit", "--cpus", "0.25", "--memory", "64m", "--wait", "--",
                "sh", "-c", "echo verified output; echo 'ünïcode ✅'");
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        jobId = onlyJob();
        receipt = dir.resolve("receipt.json");
        logs = dir.resolve("job.log");
        key = dir.resolve("node.pub");
        assertThat(CliRun.of(env, "job", "receipt", jobId, "-o", receipt.toString()).exit()).isZero();
        Files.writeString(logs, CliRun.of(env, "job", "logs", jobId).out(), StandardCharsets.UTF_8);
        CliRun exported = CliRun.of(env, "node", "key", "--state", state.toString(), "-o", key.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();
        assertThat(exported.err()).contains("sha256:");
    }

    private static String onlyJob() throws Exception {
        CliRun status = CliRun.of(env, "job", "list");
        String line = status.out().lines().filter(l -> l.contains("completed")).findFirst().orElseThrow(
                () -> new AssertionError("no completed job in: " + status.out()));
        return line.substring(0, line.indexOf(' '));
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
    }

    private static Path tampered(String name, UnaryOperator<ObjectNode> change) throws Exception {
        ObjectNode doc = (ObjectNode) Json.mapper().readTree(Files.readString(receipt));
        Path out = dir.resolve(name + ".json");
        Files.writeString(out, change.apply(doc).toString());
        return out;
    }

    private static Path resigned(String name, UnaryOperator<Receipt> change, KeyPair by) throws Exception {
        Receipt r = change.apply(SignedReceipt.parse("receipt", Files.readString(receipt)).receipt());
        Path out = dir.resolve(name + ".json");
        Files.writeString(out, new SignedReceipt(r, ReceiptSigner.sign(r, by.getPrivate())).json());
        return out;
    }

    /** {@code hearth verify FILE --logs LOGS --key NODE.pub}. */
    private static CliRun verify(Path file) {
        return CliRun.of(env, "verify", file.toString(), "--logs", logs.toString(), "--key", key.toString());
    }

    @Test
    @DisplayName("the honest receipt verifies with the exported key and the logs: every check holds, exit 0")
    void honest() {
        CliRun run = verify(receipt);

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("holds  signature").contains("holds  key").contains("holds  logsHash")
                .contains("holds  executionHash").contains("receipt of job " + jobId + " verifies")
                .doesNotContain("FAILS");
        assertThat(CliRun.of(env, "job", "status", jobId).out()).contains("verdict        passed")
                .contains("signature    holds").contains("replay       holds");
    }

    @Test
    @DisplayName("the honest receipt verifies with the key the coordinator has for the node")
    void withCoordinator() {
        CliRun run = CliRun.of(env, "verify", receipt.toString(), "--coordinator", env.get("HEARTH_COORDINATOR"));

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("holds  signature");
    }

    @Test
    @DisplayName("a flipped byte in the logs file: both hashes fail, the signature still holds")
    void flippedLogByte() throws Exception {
        byte[] bytes = Files.readAllBytes(logs);
        bytes[0] ^= 0x01;
        Path flipped = dir.resolve("flipped.log");
        Files.write(flipped, bytes);

        CliRun run = CliRun.of(env, "verify", receipt.toString(), "--key", key.toString(), "--logs",
                flipped.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("FAILS  logsHash").contains("FAILS  executionHash").contains("holds  signature")
                .contains("does NOT verify: 2 check(s) fail");
    }

    @Test
    @DisplayName("a changed exit code, a wrong job id, a changed epoch or logsHash in the file: the signature fails")
    void editedFields() throws Exception {
        for (Path edited : List.of(
                tampered("exit", d -> { d.with("receipt").put("exitCode", 3); return d; }),
                tampered("job", d -> { d.with("receipt").put("jobId", "another-job"); return d; }),
                tampered("epoch", d -> { d.with("receipt").put("epoch", 99); return d; }),
                tampered("hash", d -> { d.with("receipt").put("logsHash", "0".repeat(64)); return d; }))) {
            CliRun run = verify(edited);
            assertThat(run.exit()).as(edited + ": " + run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).as(edited.toString()).contains("FAILS  signature").contains("does NOT verify");
        }
    }

    @Test
    @DisplayName("a receipt re-signed by another node's key: the key is not the node's and the signature fails")
    void otherKey() throws Exception {
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        CliRun run = verify(resigned("other", r -> r, other));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("FAILS  signature").contains("holds  key");
    }

    @Test
    @DisplayName("a forged key named in the receipt and signing it: the key given is not the one named")
    void forgedKey() throws Exception {
        KeyPair forged = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String print = NodeKeys.fingerprint(forged.getPublic());
        CliRun run = verify(resigned("forged", r -> new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), print,
                r.image(), r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                r.timestamp(), r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(), r.logsHash(),
                r.executionHash(), r.outputs()), forged));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("FAILS  key").contains("the receipt names key " + print)
                .contains("FAILS  signature");
    }

    @Test
    @DisplayName("bad input: no key source, a missing file, a key file that is not a key: exit 2, naming the input")
    void badInput() throws Exception {
        CliRun noKey = CliRun.of(env, "verify", receipt.toString());
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.err()).contains("--key").contains("--coordinator");
        CliRun missing = CliRun.of(env, "verify", dir.resolve("nope.json").toString(), "--key", key.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.json");
        Path notKey = dir.resolve("not.pub");
        Files.writeString(notKey, "hello");
        CliRun badKey = CliRun.of(env, "verify", receipt.toString(), "--key", notKey.toString());
        assertThat(badKey.exit()).isEqualTo(2);
        assertThat(badKey.err()).contains("--key").contains("Ed25519 public key");
    }
}
