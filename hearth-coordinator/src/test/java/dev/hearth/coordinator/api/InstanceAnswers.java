// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Provokes every documented answer of the instance operations against a real coordinator, with a scripted Hearth
 * node over a real WebSocket answering the commands as the published protocol says (ok, failed, or silent), and a
 * scripted v2.0 node. Used by {@link OpenApiDocumentTest}, which checks each answer against the document.
 */
final class InstanceAnswers {

    /** {@link OpenApiDocumentTest#send}: sends, checks against the document, records the answer. */
    interface Sender {
        JsonNode send(int status, String operation, String method, String path, String type, String body,
                String token) throws Exception;
    }

    private static final String CREATE = "POST /v1/nodes/{id}/instances";
    private static final String ACTION = "POST /v1/nodes/{id}/instances/{iid}/{action}";
    private static final String DESTROY = "DELETE /v1/nodes/{id}/instances/{iid}";
    private static final String LOGS = "GET /v1/nodes/{id}/instances/{iid}/logs";
    private static final String REQUEST = "GET /v1/instances/requests/{requestId}";
    private static final String DOC = "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\",\"telegramUsers\":\"42\"}";

    private final Sender sender;
    private final int port;
    private final String admin;
    private final KeyPair key;
    private ScriptedAgent agent;

    InstanceAnswers(Sender sender, int port, String admin) throws Exception {
        this.sender = sender;
        this.port = port;
        this.admin = admin;
        this.key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    void run(String token) throws Exception {
        String legacyToken = send(201, "POST /v1/tokens", "POST", "/v1/tokens", null).get("token").asText();
        String node = connect(token);
        String base = "/v1/nodes/" + node + "/instances";
        String report = "{\"id\":\"bot-1\",\"runtime\":\"docker\",\"desired\":\"running\",\"state\":\"running\","
                + "\"health\":\"ok\",\"proxy\":\"listening 127.0.0.1:18891\",\"hostPort\":18891,\"restarts\":0,"
                + "\"createdAt\":\"2026-11-23T08:00:00Z\"}";
        agent.send("{\"type\":\"instances\",\"nodeId\":\"" + node + "\",\"instances\":[" + report + "]}");

        JsonNode pending = send(202, CREATE, "POST", base + "?wait=0", DOC);
        JsonNode create = agent.expect("instance_create");
        assertThat(create.get("requestId").asText()).isEqualTo(pending.get("requestId").asText());
        assertThat(create.at("/instance/telegramToken").asText()).isEqualTo("123456:ABC-def");
        assertThat(pending.toString()).doesNotContain("ABC-def");
        agent.send("{\"type\":\"instance_progress\",\"requestId\":\"" + create.get("requestId").asText()
                + "\",\"step\":\"allocate\"}");
        agent.send(ok(create, report));
        String polled = "/v1/instances/requests/" + pending.get("requestId").asText();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!send(200, REQUEST, "GET", polled, null).get("state").asText().equals("done")) {
            assertThat(System.nanoTime()).as("request done within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(send(200, REQUEST, "GET", polled, null).get("steps").toString()).contains("allocate");
        send(404, REQUEST, "GET", "/v1/instances/requests/nope", null);
        assertThat(send(200, "GET /v1/instances", "GET", "/v1/instances", null).toString()).contains("bot-1");

        answered(CREATE, "POST", base + "?wait=10s", DOC, "instance_create", ok -> ok(ok, report), 201);
        answered(CREATE, "POST", base + "?wait=10s", DOC, "instance_create", InstanceAnswers::failed, 502);
        assertThat(send(400, CREATE, "POST", base, "{\"id\":\"bot-1\",\"telegramToken\":\"1:A\",\"hostPort\":\"0\"}")
                .get("field").asText()).isEqualTo("hostPort");
        send(404, CREATE, "POST", "/v1/nodes/nope/instances", DOC);
        disconnected(CREATE, "POST", base + "?wait=10s", DOC, "instance_create");

        answered(ACTION, "POST", base + "/bot-1/stop", null, "instance_action", ok -> ok(ok, report), 200);
        send(202, ACTION, "POST", base + "/bot-1/restart?wait=0", null);
        agent.send(ok(agent.expect("instance_action"), report));
        answered(ACTION, "POST", base + "/bot-1/start", null, "instance_action", InstanceAnswers::failed, 502);
        String paused = "{\"id\":\"bot-1\",\"runtime\":\"qemu\",\"desired\":\"paused\",\"state\":\"paused\","
                + "\"health\":\"-\",\"proxy\":\"waking on 127.0.0.1:18891\",\"hostPort\":18891,\"restarts\":0,"
                + "\"createdAt\":\"2026-11-23T08:00:00Z\"}";
        answered(ACTION, "POST", base + "/bot-1/pause", null, "instance_action", c -> {
            assertThat(c.get("action").asText()).isEqualTo("pause");
            return ok(c, paused);
        }, 200);
        answered(ACTION, "POST", base + "/bot-1/resume", null, "instance_action", c -> {
            assertThat(c.get("action").asText()).isEqualTo("resume");
            return ok(c, report);
        }, 200);
        answered(ACTION, "POST", base + "/bot-1/pause", null, "instance_action", c -> "{\"type\":\"instance_result\","
                + "\"requestId\":\"" + c.get("requestId").asText() + "\",\"ok\":false,\"instanceId\":\"bot-1\","
                + "\"code\":\"failed\",\"message\":\"cannot pause instance 'bot-1': the docker runtime cannot pause "
                + "instance bot-1 to disk; pausing is for instances on the qemu runtime\"}", 502);
        assertThat(send(400, ACTION, "POST", base + "/BOT/start", null).get("field").asText()).isEqualTo("instanceId");
        assertThat(send(404, ACTION, "POST", base + "/bot-1/explode", null).get("message").asText())
                .contains("start, stop, restart, pause or resume");
        disconnected(ACTION, "POST", base + "/bot-1/stop?wait=10s", null, "instance_action");

        answered(DESTROY, "DELETE", base + "/bot-1", null, "instance_action", ok -> ok(ok, null), 200);
        send(202, DESTROY, "DELETE", base + "/bot-1?wait=0", null);
        agent.send(ok(agent.expect("instance_action"), null));
        answered(DESTROY, "DELETE", base + "/bot-1", null, "instance_action", InstanceAnswers::failed, 502);
        send(400, DESTROY, "DELETE", base + "/bot-1?wait=1h", null);
        send(404, DESTROY, "DELETE", "/v1/nodes/nope/instances/bot-1", null);
        disconnected(DESTROY, "DELETE", base + "/bot-1?wait=10s", null, "instance_action");

        String logs = base + "/bot-1/logs";
        answered(LOGS, "GET", logs, null, "instance_action", c -> {
            assertThat(c.get("action").asText()).isEqualTo("logs");
            return "{\"type\":\"instance_result\",\"requestId\":\"" + c.get("requestId").asText()
                    + "\",\"ok\":true,\"instanceId\":\"bot-1\",\"log\":\"gateway listening\\n\"}";
        }, 200);
        answered(LOGS, "GET", logs, null, "instance_action", InstanceAnswers::failed, 502);
        send(400, LOGS, "GET", base + "/BOT/logs", null);
        send(404, LOGS, "GET", "/v1/nodes/nope/instances/bot-1/logs", null);
        disconnected(LOGS, "GET", logs, null, "instance_action");

        agent.closeNormally();
        awaitDisconnected(node);
        send(409, LOGS, "GET", logs, null);
        assertThat(send(409, CREATE, "POST", base, DOC).get("error").asText()).isEqualTo("node_offline");
        send(409, ACTION, "POST", base + "/bot-1/stop", null);
        String legacy = legacyNode(legacyToken);
        assertThat(send(409, DESTROY, "DELETE", "/v1/nodes/" + legacy + "/instances/bot-1", null).get("error")
                .asText()).isEqualTo("instances_unsupported");
    }

    /** Sends a command while the node answers it with {@code answer}, and expects {@code status}. */
    private void answered(String op, String method, String path, String body, String type,
            ThrowingFunction answer, int status) throws Exception {
        ScriptedAgent a = agent;
        CompletableFuture<Void> node = CompletableFuture.runAsync(() -> {
            try {
                a.send(answer.apply(a.expect(type)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        send(status, op, method, path, body);
        node.get(10, TimeUnit.SECONDS);
    }

    /** Sends a command and closes the node's connection once it has it: 503; then the node connects again. */
    private void disconnected(String op, String method, String path, String body, String type) throws Exception {
        ScriptedAgent a = agent;
        CompletableFuture<Void> node = CompletableFuture.runAsync(() -> {
            try {
                a.expect(type);
                a.closeNormally();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(send(503, op, method, path, body).get("error").asText()).isEqualTo("node_disconnected");
        node.get(10, TimeUnit.SECONDS);
        connect(null);
    }

    private String token;

    private String connect(String newToken) throws Exception {
        if (newToken != null) {
            token = newToken;
        }
        agent = new ScriptedAgent(port);
        agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText(), 0));
        return agent.expect("registered").get("nodeId").asText();
    }

    private String legacyNode(String legacyToken) throws Exception {
        ScriptedAgent old = new ScriptedAgent(port);
        old.send("{\"type\":\"register\",\"token\":\"" + legacyToken + "\",\"hostInfo\":{\"hostname\":\"old\"}}");
        return old.expect("registered").get("nodeId").asText(); // left open: a connected v2.0 node
    }

    private void awaitDisconnected(String node) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (send(200, "GET /v1/nodes/{id}", "GET", "/v1/nodes/" + node, null).get("connected").asBoolean()) {
            assertThat(System.nanoTime()).as("node disconnected within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static String ok(JsonNode command, String report) {
        return "{\"type\":\"instance_result\",\"requestId\":\"" + command.get("requestId").asText()
                + "\",\"ok\":true,\"instanceId\":\"bot-1\"" + (report == null ? "" : ",\"instance\":" + report) + "}";
    }

    private static String failed(JsonNode command) {
        return "{\"type\":\"instance_result\",\"requestId\":\"" + command.get("requestId").asText()
                + "\",\"ok\":false,\"instanceId\":\"bot-1\",\"code\":\"failed\",\"message\":\"create of instance "
                + "'bot-1' failed at step boot: no engine; everything it made was removed\"}";
    }

    private JsonNode send(int status, String op, String method, String path, String body) throws Exception {
        return sender.send(status, op, method, path, "application/json", body, admin);
    }

    private interface ThrowingFunction {
        String apply(JsonNode command) throws Exception;
    }
}
