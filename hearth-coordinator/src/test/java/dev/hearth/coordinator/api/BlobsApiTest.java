// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.ServerTls;
import dev.hearth.coordinator.blobs.BlobLimits;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.core.json.Json;
import dev.hearth.core.receipt.NodeKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Blobs and outputs: uploaded by hash, kept only when they hash to it, readable only by their owner and "
        + "the job's node")
class BlobsApiTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(100)), InstantSource.system(),
                OracleSettings.DEFAULTS, new ServerTls.Mode.Off(), new BlobLimits(1000, 1500, Duration.ofDays(7), 1000));
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private HttpResponse<String> call(String method, String path, byte[] body, String key, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String client(String name) throws Exception {
        return Json.mapper().readTree(call("POST", "/v1/clients", ("{\"name\":\"" + name + "\"}")
                .getBytes(StandardCharsets.UTF_8), admin, "Content-Type", "application/json").body()).get("key")
                .asText();
    }

    private JsonNode submit(String key, String digest) throws Exception {
        HttpResponse<String> r = call("POST", "/v1/jobs", ("{\"command\":[\"cat\",\"/job/in.bin\"],\"files\":[{"
                + "\"path\":\"in.bin\",\"blob\":\"" + digest + "\"}]}").getBytes(StandardCharsets.UTF_8), key,
                "Content-Type", "application/json");
        return ((com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(r.body())).put("status",
                r.statusCode());
    }

    @Test
    @DisplayName("a body that hashes to its digest is kept (201, then 200); another is refused 422 and not kept")
    void upload() throws Exception {
        String alice = client("alice");
        byte[] bytes = "hello blob".getBytes(StandardCharsets.UTF_8);
        String d = digest(bytes);
        HttpResponse<String> first = call("PUT", "/v1/blobs/" + d, bytes, alice);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(Json.mapper().readTree(first.body()).get("size").asLong()).isEqualTo(bytes.length);
        assertThat(call("PUT", "/v1/blobs/" + d, bytes, alice).statusCode()).isEqualTo(200);
        HttpResponse<String> head = call("HEAD", "/v1/blobs/" + d, null, alice);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(bytes.length);

        byte[] other = "other bytes".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> lie = call("PUT", "/v1/blobs/sha256:" + "0".repeat(64), other, alice);
        assertThat(lie.statusCode()).isEqualTo(422);
        assertThat(Json.mapper().readTree(lie.body()).get("code").asText()).isEqualTo("digest_mismatch");
        assertThat(call("HEAD", "/v1/blobs/" + digest(other), null, alice).statusCode()).isEqualTo(404);
        try (var left = Files.walk(data.resolve("blobs"))) {
            assertThat(left.filter(Files::isRegularFile).toList()).hasSize(1);
        }
        assertThat(call("PUT", "/v1/blobs/sha256:ABC", bytes, alice).statusCode()).isEqualTo(400);
    }

    @Test
    @DisplayName("a blob over --blob-max-size is 413 too_large; one past the client's --blob-quota 413 quota_exceeded")
    void limits() throws Exception {
        String alice = client("alice");
        byte[] big = new byte[1001];
        HttpResponse<String> tooLarge = call("PUT", "/v1/blobs/" + digest(big), big, alice);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(Json.mapper().readTree(tooLarge.body()).get("code").asText()).isEqualTo("too_large");
        assertThat(Json.mapper().readTree(tooLarge.body()).get("limit").asLong()).isEqualTo(1000);
        byte[] first = new byte[900];
        assertThat(call("PUT", "/v1/blobs/" + digest(first), first, alice).statusCode()).isEqualTo(201);
        byte[] second = new byte[700];
        HttpResponse<String> over = call("PUT", "/v1/blobs/" + digest(second), second, alice);
        assertThat(over.statusCode()).isEqualTo(413);
        assertThat(Json.mapper().readTree(over.body()).get("code").asText()).isEqualTo("quota_exceeded");
        assertThat(call("PUT", "/v1/blobs/" + digest(second), second, client("bob")).statusCode())
                .as("another client's quota is its own").isEqualTo(201);
    }

    @Test
    @DisplayName("another client can neither probe nor use a blob it did not upload, though the bytes are kept once")
    void ownership() throws Exception {
        String alice = client("alice");
        String bob = client("bob");
        byte[] bytes = "alice's secret input".getBytes(StandardCharsets.UTF_8);
        String d = digest(bytes);
        assertThat(call("PUT", "/v1/blobs/" + d, bytes, alice).statusCode()).isEqualTo(201);
        assertThat(call("HEAD", "/v1/blobs/" + d, null, bob).statusCode()).isEqualTo(404);
        JsonNode refused = submit(bob, d);
        assertThat(refused.get("status").asInt()).isEqualTo(400);
        assertThat(refused.get("field").asText()).isEqualTo("files[0].blob");
        assertThat(submit(alice, d).get("status").asInt()).isEqualTo(201);
        // bob proves he has the bytes by sending them: then they are his too
        assertThat(call("PUT", "/v1/blobs/" + d, bytes, bob).statusCode()).isEqualTo(201);
        assertThat(submit(bob, d).get("status").asInt()).isEqualTo(201);
    }

    @Test
    @DisplayName("only the node holding the job's live lease fetches its blob, with its token and key and the epoch")
    void nodeFetch() throws Exception {
        String alice = client("alice");
        byte[] bytes = "input for the node".getBytes(StandardCharsets.UTF_8);
        String d = digest(bytes);
        call("PUT", "/v1/blobs/" + d, bytes, alice);
        String token = token();
        String stranger = token();
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair strangerKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        try (ScriptedAgent agent = new ScriptedAgent(server.port());
                ScriptedAgent other = new ScriptedAgent(server.port())) {
            register(other, stranger, strangerKey, 0);
            register(agent, token, key, 4);
            String id = submit(alice, d).get("id").asText();
            JsonNode offer = agent.expect("job");
            JsonNode file = offer.at("/spec/files/0");
            assertThat(file.get("blob").asText()).isEqualTo(d);
            assertThat(file.get("size").asLong()).isEqualTo(bytes.length);
            long epoch = offer.get("epoch").asLong();
            String path = "/v1/agent/jobs/" + id + "/blobs/" + d + "?epoch=" + epoch;

            HttpResponse<String> got = call("GET", path, null, token, "Hearth-Node-Key", NodeKeys.encode(key.getPublic()));
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo("input for the node");
            assertThat(call("GET", path, null, stranger, "Hearth-Node-Key",
                    NodeKeys.encode(strangerKey.getPublic())).statusCode()).as("a node without the lease").isEqualTo(403);
            assertThat(call("GET", path, null, token, "Hearth-Node-Key", NodeKeys.encode(strangerKey.getPublic()))
                    .statusCode()).as("the token with another key").isEqualTo(401);
            assertThat(call("GET", path, null, alice).statusCode()).as("a client key").isEqualTo(401);
            assertThat(call("GET", path.replace("epoch=" + epoch, "epoch=" + (epoch + 1)), null, token,
                    "Hearth-Node-Key", NodeKeys.encode(key.getPublic())).statusCode()).as("another epoch").isEqualTo(403);
            byte[] unnamed = "not in the job".getBytes(StandardCharsets.UTF_8);
            call("PUT", "/v1/blobs/" + digest(unnamed), unnamed, alice);
            assertThat(call("GET", path.replace(d, digest(unnamed)), null, token, "Hearth-Node-Key",
                    NodeKeys.encode(key.getPublic())).statusCode()).as("a blob the job does not name").isEqualTo(404);
        }
    }

    /** Registers a scripted Hearth node with {@code slots} slots (0: it gets no job); its node id. */
    private static String register(ScriptedAgent agent, String token, KeyPair key, int slots) throws Exception {
        agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText(), slots));
        return agent.expect("registered").get("nodeId").asText();
    }

    private String token() throws Exception {
        return Json.mapper().readTree(call("POST", "/v1/tokens", null, admin).body()).get("token").asText();
    }

    @Test
    @DisplayName("a job's node uploads its outputs (checked against the declared hash, within the job's cap); the "
            + "owner lists the receipt's outputs, stored or not, and reads the stored ones with their hash")
    void outputs() throws Exception {
        String alice = client("alice");
        String bob = client("bob");
        String token = token();
        String stranger = token();
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair strangerKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        try (ScriptedAgent agent = new ScriptedAgent(server.port());
                ScriptedAgent other = new ScriptedAgent(server.port())) {
            String strangerId = register(other, stranger, strangerKey, 0);
            String nodeId = register(agent, token, key, 4);
            HttpResponse<String> submitted = call("POST", "/v1/jobs", "{\"command\":[\"true\"]}"
                    .getBytes(StandardCharsets.UTF_8), alice, "Content-Type", "application/json");
            String id = Json.mapper().readTree(submitted.body()).get("id").asText();
            JsonNode offer = agent.expect("job");
            long epoch = offer.get("epoch").asLong();
            String nodeKey = NodeKeys.encode(key.getPublic());
            byte[] result = "42\n".getBytes(StandardCharsets.UTF_8);
            byte[] other2 = "never stored".getBytes(StandardCharsets.UTF_8);
            String hex = digest(result).substring(7);
            String base = "/v1/agent/jobs/" + id + "/outputs/";

            HttpResponse<String> up = call("PUT", base + "res/result.txt?epoch=" + epoch + "&sha256=" + hex, result,
                    token, "Hearth-Node-Key", nodeKey);
            assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
            HttpResponse<String> lie = call("PUT", base + "other.txt?epoch=" + epoch + "&sha256=" + hex, other2,
                    token, "Hearth-Node-Key", nodeKey);
            assertThat(lie.statusCode()).as(lie.body()).isEqualTo(422);
            assertThat(call("PUT", base + "big.bin?epoch=" + epoch + "&sha256=" + digest(new byte[1001]).substring(7),
                    new byte[1001], token, "Hearth-Node-Key", nodeKey).statusCode()).as("past --output-max-size")
                    .isEqualTo(413);
            assertThat(call("PUT", base + "res/result.txt?epoch=" + epoch + "&sha256=" + hex, result, stranger,
                    "Hearth-Node-Key", NodeKeys.encode(strangerKey.getPublic())).statusCode())
                    .as("node " + strangerId + " holds no lease of the job").isEqualTo(403);
            assertThat(call("PUT", base + "../escape?epoch=" + epoch + "&sha256=" + hex, result, token,
                    "Hearth-Node-Key", nodeKey).statusCode()).isIn(400, 404);

            agent.send(ResultFrames.frame(ResultFrames.honest(offer, nodeId, key, "", 0, java.util.List.of(
                    new dev.hearth.core.receipt.OutputFile("/job/out/res/result.txt", result.length, hex),
                    new dev.hearth.core.receipt.OutputFile("/job/out/other.txt", other2.length,
                            digest(other2).substring(7))))));
            agent.expect("result_ack");
            JsonNode listed = Json.mapper().readTree(call("GET", "/v1/jobs/" + id + "/outputs", null, alice).body());
            assertThat(listed.get("outputs").toString()).isEqualTo("[{\"path\":\"res/result.txt\",\"size\":3,"
                    + "\"sha256\":\"" + hex + "\",\"stored\":true},{\"path\":\"other.txt\",\"size\":12,"
                    + "\"sha256\":\"" + digest(other2).substring(7) + "\",\"stored\":false}]");
            HttpResponse<String> got = call("GET", "/v1/jobs/" + id + "/outputs/res/result.txt", null, alice);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo("42\n");
            assertThat(got.headers().firstValue("Hearth-Output-Sha256")).hasValue(hex);
            assertThat(got.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            HttpResponse<String> missing = call("GET", "/v1/jobs/" + id + "/outputs/other.txt", null, alice);
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(Json.mapper().readTree(missing.body()).get("code").asText()).isEqualTo("unknown_output");
            assertThat(call("GET", "/v1/jobs/" + id + "/outputs/res/result.txt", null, bob).statusCode())
                    .as("another client").isEqualTo(403);
            assertThat(call("GET", "/v1/jobs/" + id + "/outputs", null, bob).statusCode()).isEqualTo(403);
        }
    }
}
