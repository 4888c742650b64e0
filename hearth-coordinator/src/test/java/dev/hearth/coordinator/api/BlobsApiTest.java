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

@DisplayName("Blobs: uploaded by hash, kept only when they hash to it, usable only by their uploader and its job's node")
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
                OracleSettings.DEFAULTS, new ServerTls.Mode.Off(), new BlobLimits(1000, 1500, Duration.ofDays(7)));
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
            other.send(ResultFrames.hearthRegister(stranger, strangerKey, other.expect("hello").get("nonce").asText(),
                    0));
            other.expect("registered");
            agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText()));
            agent.expect("registered");
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

    private String token() throws Exception {
        return Json.mapper().readTree(call("POST", "/v1/tokens", null, admin).body()).get("token").asText();
    }
}
