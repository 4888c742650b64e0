// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hearth.core.job.BlobRef;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobSpec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of blob inputs against a small in-process stand-in for the coordinator's route, written from
 * the contract in docs/protocol.md ({@code GET /v1/agent/jobs/{id}/blobs/{digest}?epoch=N} with the node's token
 * and key); the real route is tested in the coordinator's {@code BlobsApiTest} and end to end in
 * {@code FilesE2eTest}.
 */
@DisplayName("A node gives a job a blob's bytes only when they hash to the digest its offer names")
class InputBlobsTest {

    @TempDir
    Path state;
    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final Map<String, String> seenHeaders = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/agent/jobs/", ex -> {
            seenHeaders.put("auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            seenHeaders.put("key", String.valueOf(ex.getRequestHeaders().getFirst("Hearth-Node-Key")));
            seenHeaders.put("uri", ex.getRequestURI().toString());
            String path = ex.getRequestURI().getPath();
            byte[] body = served.get(path.substring(path.lastIndexOf('/') + 1));
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private InputBlobs inputs(long max) {
        return new InputBlobs(new NodeHttp(() -> URI.create("ws://127.0.0.1:" + server.getAddress().getPort()
                + "/v1/agent"), "hnt_secret", "NODEKEY", Optional.empty()), state.resolve("blobs"), max);
    }

    private static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static JobSpec job(String digest, long size) {
        return JobSpec.builder("j1", "hearth/busybox:latest", List.of("true"))
                .file(JobFile.ofBlob("/job/in.bin", new BlobRef(digest, size), 0644)).build();
    }

    @Test
    @DisplayName("matching bytes become the file's content, fetched with the node's credentials and the epoch; "
            + "nothing is left on disk")
    void matching() throws Exception {
        byte[] bytes = "the input".getBytes(StandardCharsets.UTF_8);
        String d = digest(bytes);
        served.put(d, bytes);
        JobSpec ready = inputs(1 << 20).resolve(job(d, bytes.length), 7);
        assertThat(ready.files().getFirst().content()).isEqualTo(bytes);
        assertThat(ready.files().getFirst().blob()).isNull();
        assertThat(seenHeaders).containsEntry("auth", "Bearer hnt_secret").containsEntry("key", "NODEKEY")
                .containsEntry("uri", "/v1/agent/jobs/j1/blobs/" + d + "?epoch=7");
        try (var left = Files.list(state.resolve("blobs"))) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    @DisplayName("other bytes, more bytes than stated, more than the node takes, or a refusal: the job is refused")
    void refused() throws Exception {
        byte[] bytes = "the input".getBytes(StandardCharsets.UTF_8);
        String d = digest(bytes);
        served.put(d, "not the input".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> inputs(1 << 20).resolve(job(d, 13), 1)).isInstanceOf(InputBlobs.Refused.class)
                .hasMessageContaining("hash to " + digest("not the input".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not run");
        assertThatThrownBy(() -> inputs(1 << 20).resolve(job(d, bytes.length), 1))
                .isInstanceOf(InputBlobs.Refused.class).hasMessageContaining("runs past the 9 bytes");
        assertThatThrownBy(() -> inputs(5).resolve(job(d, bytes.length), 1))
                .isInstanceOf(InputBlobs.Refused.class).hasMessageContaining("more than this node takes");
        served.clear();
        assertThatThrownBy(() -> inputs(1 << 20).resolve(job(d, bytes.length), 1))
                .isInstanceOf(InputBlobs.Refused.class).hasMessageContaining("answered 404");
        try (var left = Files.list(state.resolve("blobs"))) {
            assertThat(left.toList()).isEmpty();
        }
    }
}
