// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.SecretValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Protocol frames: every message fits its JSON Schema in docs/protocol/schemas and round-trips")
class ProtocolCodecTest {

    private static final Path SCHEMAS = Path.of("..", "docs", "protocol", "schemas");
    private static final ObjectMapper JSON = new ObjectMapper();

    static Set<ValidationMessage> validate(String frame) throws IOException {
        JsonNode node = JSON.readTree(frame);
        Path file = SCHEMAS.resolve(node.get("type").asText() + ".schema.json");
        assertThat(file).as("a schema for message type %s", node.get("type").asText()).exists();
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(file));
        return schema.validate(node);
    }

    static Stream<AgentMessage> agentMessages() {
        HostInfo host = new HostInfo("h1", "Linux", "6.1.0", "x86_64", 2, 24L << 30, List.of("docker"),
                List.of(new GpuReport(0, "NVIDIA H100 80GB HBM3", "81559 MiB", "80000 MiB", "0%", "GPU-1")),
                "20.10.24", "hearth 0.1.0");
        Capacity cap = new Capacity(2, 2.0, 8L << 30, List.of(0));
        return Stream.of(
                new Register("hnt_x", host, Protocol.HEARTH_V1, "a2V5", "c2ln", cap, List.of(new LeaseRef("j1", 3))),
                new Heartbeat("n1", "2026-11-23T09:00:00.123456Z",
                        new Heartbeat.Stats(3, 1, 600, 1, List.of()), "online", cap),
                new JobResultMessage("j1", "n1", "completed", true, "hi\n", 0, "a".repeat(64), "b".repeat(64),
                        1769767200000L, 3L, "2026-11-23T09:00:00.000000Z", 1769767100000L, 100L, 3L, false, null, null, null),
                new JobResultMessage("j1", "n1", "completed", true, "hi\n", 0, "a".repeat(64), "b".repeat(64),
                        1769767200000L, 3L, "2026-11-23T09:00:00.000000Z", 1769767100000L, 100L, 3L, false, null,
                        dev.hearth.core.receipt.ReceiptTest.sample(), "c2ln"),
                new JobStarted("j1", 3),
                new JobLog("j1", 3, 120, "step 2 of 5\n"),
                new Pong(),
                new Register("hnt_x", host, Protocol.HEARTH_V1, "a2V5", "c2ln", cap, List.of(), List.of(REPORT)),
                new InstanceList("n1", List.of(REPORT, new InstanceReport("bot-2", "docker", "stopped", "stopped", "-",
                        "closed", 18892, null, 2, "killed by signal 9 (exit 137)", "2026-11-23T08:00:00Z"))),
                new InstanceList("n1", List.of()),
                new InstanceList("n1", List.of(new InstanceReport("bot-3", "qemu", "paused", "paused", "-",
                        "waking on 127.0.0.1:18893", 18893, "172.30.0.3", 0, null, "2026-11-23T08:00:00Z"))),
                new InstanceProgress("r1", "provision"),
                InstanceResult.done("r1", "bot-1", REPORT),
                InstanceResult.done("r2", "bot-1", null),
                InstanceResult.failed("r3", "bot-1", "invalid_input", "hostPort",
                        "hostPort '0' is invalid: a port within 1..65535"),
                InstanceResult.failed("r4", "bot-1", "failed", null, "create failed at step boot: no engine"));
    }

    private static final InstanceReport REPORT = new InstanceReport("bot-1", "docker", "running", "running", "ok",
            "listening 127.0.0.1:18891", 18891, "172.17.0.5", 0, null, "2026-11-23T08:00:00Z");

    private static dev.hearth.core.instance.InstanceDocument document() {
        return new dev.hearth.core.instance.InstanceDocument("bot-1", "123456:ABC-def", "42", null, null, null, "18891",
                "1", "512", null, "sk-ant-secret", null, null, true, "docker", null, null, null,
                List.of("api.anthropic.com:443", "10.1.2.3/32:5432"));
    }

    static Stream<CoordinatorMessage> coordinatorMessages() {
        JobSpec spec = JobSpec.builder("j1", "hearth/busybox:latest", List.of("sh", "-c", "echo hi")).build();
        return Stream.of(
                new Hello("bm9uY2Utbm9uY2Utbm9uY2U", List.of(Protocol.HEARTH_V1, Protocol.HYPERNODE_V2)),
                new Registered("n1", "Node registered", Protocol.HEARTH_V1, 10),
                JobWire.offer(spec, 3, List.of(), 300),
                new JobCancel("j1", 3L, "stale_lease"),
                new ResultAck("j1", 3, false, "stale_lease", "lease 3 of job j1 was taken"),
                new ResultAck("j1", 3, false, "verification_failed", "hashes: logsHash does not recompute", "failed",
                        "hashes"),
                new Ack(),
                new Ping(),
                ErrorMessage.of(ErrorCode.INVALID_TOKEN, "Invalid token"),
                new InstanceCreate("r1", document()),
                new InstanceAction("r2", "bot-1", "restart"),
                new InstanceAction("r3", "bot-1", "pause"),
                new InstanceAction("r4", "bot-1", "resume"),
                new InstanceAction("r5", "bot-1", InstanceAction.LOGS));
    }

    @Test
    @DisplayName("instance messages: the schemas refuse a bad action and a report with a secret-shaped extra field; "
            + "a create's text hides its secrets; a v2.0 register has no instance list")
    void instanceMessages() throws Exception {
        assertThat(validate("{\"type\":\"instance_action\",\"requestId\":\"r\",\"instanceId\":\"b\","
                + "\"action\":\"explode\"}")).isNotEmpty();
        assertThat(validate("{\"type\":\"instances\",\"instances\":[{\"id\":\"b\",\"runtime\":\"docker\","
                + "\"desired\":\"running\",\"state\":\"running\",\"health\":\"ok\",\"hostPort\":1,"
                + "\"restarts\":0,\"token\":\"abc\"}]}")).isNotEmpty();
        InstanceCreate create = new InstanceCreate("r1", document());
        assertThat(create.toString()).doesNotContain("ABC-def").doesNotContain("sk-ant-secret").contains("(hidden)");
        assertThat(ProtocolCodec.encode(create)).contains("ABC-def"); // the wire carries them to the agent
        assertThat(document().toSpec().hostPort()).isEqualTo(18891);
        assertThat(new Register("t", null, null, null, null, null, null).instances()).isNull();
        assertThat(ProtocolCodec.encode(new Register("t", null, null, null, null, null, null)))
                .doesNotContain("instances");
    }

    @Test
    @DisplayName("an instance document's bad field is named as the API names it, and a secret value is never shown")
    void instanceDocumentErrors() {
        var bad = new dev.hearth.core.instance.InstanceDocument("bot-1", "has space", null, null, null, null, "99999",
                null, null, null, null, null, null, null, null, null, null, null, null);
        assertThatThrownBy(bad::toSpec).isInstanceOfSatisfying(dev.hearth.core.InvalidInputException.class, e -> {
            assertThat(e.field()).isEqualTo("telegramToken");
            assertThat(e.getMessage()).startsWith("telegramToken '(hidden)' is invalid").doesNotContain("has space");
        });
        var port = new dev.hearth.core.instance.InstanceDocument("bot-1", "1:A", null, null, null, null, "99999",
                null, null, null, null, null, null, null, null, null, null, null, null);
        assertThatThrownBy(port::toSpec).isInstanceOfSatisfying(dev.hearth.core.InvalidInputException.class,
                e -> assertThat(e.field()).isEqualTo("hostPort"));
        var id = new dev.hearth.core.instance.InstanceDocument("My Bot", "1:A", null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
        assertThatThrownBy(id::toSpec).isInstanceOfSatisfying(dev.hearth.core.InvalidInputException.class,
                e -> assertThat(e.getMessage()).startsWith("id 'My Bot' is invalid"));
        var allow = new dev.hearth.core.instance.InstanceDocument("bot-1", "1:A", null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, List.of("api.anthropic.com"));
        assertThatThrownBy(allow::toSpec).isInstanceOfSatisfying(dev.hearth.core.InvalidInputException.class, e -> {
            assertThat(e.field()).isEqualTo("allow");
            assertThat(e.getMessage()).contains("HOST:PORT");
        });
        var microVm = new dev.hearth.core.instance.InstanceDocument("bot-1", "1:A", null, null, null, null, null,
                null, null, null, null, null, null, null, "qemu", null, null, null, List.of("example.com:443"));
        // a microVM instance takes an allowlist as a container does
        assertThat(microVm.toSpec().allow()).extracting(dev.hearth.core.job.EgressAllow::text)
                .containsExactly("example.com:443");
        assertThat(document().toSpec().allow()).extracting(dev.hearth.core.job.EgressAllow::text)
                .containsExactly("api.anthropic.com:443", "10.1.2.3/32:5432");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("agentMessages")
    @DisplayName("agent messages encode to schema-valid JSON and decode back equal")
    void agentRoundTrip(AgentMessage m) throws Exception {
        String frame = ProtocolCodec.encode(m);
        assertThat(validate(frame)).as(frame).isEmpty();
        assertThat(ProtocolCodec.decodeAgentMessage(frame)).isEqualTo(m);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("coordinatorMessages")
    @DisplayName("coordinator messages encode to schema-valid JSON and decode back equal")
    void coordinatorRoundTrip(CoordinatorMessage m) throws Exception {
        String frame = ProtocolCodec.encode(m);
        assertThat(validate(frame)).as(frame).isEmpty();
        assertThat(ProtocolCodec.decodeCoordinatorMessage(frame)).isEqualTo(m);
    }

    @Test
    @DisplayName("a schema rejects a frame that breaks it (the schemas are not vacuous)")
    void schemaRejects() throws Exception {
        assertThat(validate("{\"type\":\"job_started\",\"jobId\":\"j1\",\"epoch\":0}")).isNotEmpty();
        assertThat(validate("{\"type\":\"job_result\",\"id\":\"j\",\"status\":\"weird\",\"success\":true,"
                + "\"logs\":\"\",\"exitCode\":0}")).isNotEmpty();
    }

    @Test
    @DisplayName("Hypernode v2.0 frames, verbatim from the protocol reference, parse and fit the schemas")
    void legacyFrames() throws Exception {
        String register = "{\"type\":\"register\",\"token\":\"tok\",\"hostInfo\":{\"hostname\":\"h1\",\"os\":\"Linux\","
                + "\"os_version\":\"6.1.0\",\"arch\":\"x86_64\",\"gpus\":[{\"index\":0,\"model\":\"NVIDIA H100 80GB HBM3\","
                + "\"vram_total\":\"81559 MiB\",\"vram_free\":\"80000 MiB\",\"utilization\":\"0%\"}],"
                + "\"docker_version\":\"20.10.24\",\"agent_version\":\"2.0.0-docker\"}}";
        String earlyHeartbeat = "{\"type\":\"heartbeat\",\"nodeId\":null,\"timestamp\":\"2026-01-30T10:00:00.123456\","
                + "\"stats\":{\"jobs_completed\":3,\"jobs_failed\":0,\"total_uptime\":0,\"active_jobs\":1,\"gpus\":[]}}";
        String errorResult = "{\"type\":\"job_result\",\"id\":\"j9\",\"nodeId\":\"n1\",\"status\":\"error\","
                + "\"success\":false,\"logs\":\"image not found\",\"exitCode\":-1}";
        for (String f : List.of(register, earlyHeartbeat, errorResult, "{\"type\":\"pong\"}")) {
            assertThat(validate(f)).as(f).isEmpty();
        }
        Register r = (Register) ProtocolCodec.decodeAgentMessage(register);
        assertThat(r.hearth()).isFalse();
        assertThat(r.hostInfo().gpus().get(0).vramTotalMib()).isEqualTo(81559);
        Heartbeat h = (Heartbeat) ProtocolCodec.decodeAgentMessage(earlyHeartbeat);
        assertThat(h.nodeId()).isNull();
        assertThat(h.stats().activeJobs()).isEqualTo(1);
        JobResultMessage e = (JobResultMessage) ProtocolCodec.decodeAgentMessage(errorResult);
        assertThat(e.executionHash()).isNull();
        assertThat(e.epoch()).isNull();
    }

    @Test
    @DisplayName("malformed frames and unknown types map to stable codes with v2.0's messages")
    void badFrames() {
        assertThatThrownBy(() -> ProtocolCodec.decodeAgentMessage("{not json"))
                .isInstanceOf(ProtocolException.class).hasMessageStartingWith("Invalid message format")
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThatThrownBy(() -> ProtocolCodec.decodeAgentMessage("[1,2]"))
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThatThrownBy(() -> ProtocolCodec.decodeAgentMessage("{\"token\":\"x\"}"))
                .hasMessageContaining("no \"type\"");
        assertThatThrownBy(() -> ProtocolCodec.decodeAgentMessage("{\"type\":\"teleport\"}"))
                .isInstanceOf(ProtocolException.class).hasMessage("Unknown message type: teleport")
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
        assertThatThrownBy(() -> ProtocolCodec.decodeAgentMessage("{\"type\":\"job_started\",\"epoch\":\"three\"}"))
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
    }

    @Test
    @DisplayName("the error schema lists exactly the ErrorCode values")
    void errorCodesDocumented() throws Exception {
        JsonNode codes = JSON.readTree(Files.readString(SCHEMAS.resolve("error.schema.json")))
                .at("/properties/code/enum");
        List<String> listed = new java.util.ArrayList<>();
        codes.forEach(c -> listed.add(c.asText()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(ErrorCode.values()).map(ErrorCode::wireName).toList());
    }

    @Test
    @DisplayName("a job spec survives the wire whole: files, env, secrets, limits, network, timeout")
    void jobSpecOverTheWire() {
        JobSpec spec = JobSpec.builder("j2", "hearth/python:3.11", List.of("python3", "/job/x.py"))
                .file(new JobFile("/job/x.py", "print(1)\n".getBytes(StandardCharsets.UTF_8), 0644))
                .env("A", "1").secret("KEY", SecretValue.of("s3")).network(NetworkMode.NAT)
                .timeout(Duration.ofSeconds(42)).build();
        JobOffer offer = JobWire.offer(spec, 7, List.of(), 60);
        assertThat(offer.toString()).doesNotContain("s3");
        assertThat(JobWire.fromWire("j2", offer.spec())).isEqualTo(spec);
        assertThat(offer.memoryLimit()).isEqualTo("512m");
        assertThat(offer.cpuLimit()).isEqualTo(1.5);
    }

    @Test
    @DisplayName("a result survives the wire with hashes that still recompute")
    void resultOverTheWire() {
        Instant t = Instant.parse("2026-11-23T09:00:00Z");
        JobResult r = JobResult.of("j3", JobStatus.FAILED, 2, "img", t, t.plusSeconds(2), "boom\n", 5, false, null);
        JobResultMessage m = JobWire.resultMessage(r, "n1", 4);
        JobResult back = JobWire.toResult(m, "img");
        assertThat(back.hashesHold()).isTrue();
        assertThat(back).isEqualTo(r);
        assertThat(Map.of("epoch", m.epoch())).containsEntry("epoch", 4L);
    }
}
