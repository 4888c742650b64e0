// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hearth.sandbox.ImageNotFoundException;
import dev.hearth.sandbox.ImagePullPolicy;
import dev.hearth.sandbox.SandboxException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls on the real engine from a stand-in registry on 127.0.0.1 (the engine treats 127.0.0.0/8 as an insecure
 * registry, so it speaks plain HTTP to it) that records the Authorization header of every request and answers 401
 * with a Basic challenge, so the engine sends credentials if it was given any. The operator's Docker config holds
 * credentials for that registry.
 */
@DisplayName("Image pulls: anonymous unless the operator allows credentials, refused outside the allowlist, bounded")
class ImagePullTest {

    private static final String SECRET = Base64.getEncoder().encodeToString(
            "hearth-operator:s3cret-pw".getBytes(StandardCharsets.UTF_8));
    private static final List<String> seen = new CopyOnWriteArrayList<>();
    private static HttpServer registry;
    private static String host;
    private static String previousConfig;

    @TempDir
    static Path dockerConfig;

    @BeforeAll
    static void start() throws Exception {
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " auth="
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getResponseHeaders().add("Docker-Distribution-API-Version", "registry/2.0");
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"hearth-test\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        registry.start();
        host = "127.0.0.1:" + registry.getAddress().getPort();
        Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\"" + SECRET
                + "\"}}}");
        previousConfig = System.getProperty("DOCKER_CONFIG");
        System.setProperty("DOCKER_CONFIG", dockerConfig.toString()); // docker-java reads it as it would the variable
    }

    @AfterAll
    static void stop() {
        registry.stop(0);
        if (previousConfig == null) {
            System.clearProperty("DOCKER_CONFIG");
        } else {
            System.setProperty("DOCKER_CONFIG", previousConfig);
        }
    }

    private static DockerImages images(ImagePolicy policy) throws Exception {
        return DockerDriver.connect(DockerDriver.DEFAULT_HOST, policy).images();
    }

    @Test
    @DisplayName("with no credential registry set, no Authorization header reaches the registry, though the "
            + "operator's config holds credentials for it")
    void anonymous() throws Exception {
        seen.clear();
        assertThatThrownBy(() -> images(ImagePolicy.OPEN).ensure(host + "/probe:1", ImagePullPolicy.MISSING))
                .isInstanceOf(ImageNotFoundException.class);
        assertThat(seen).as("the engine asked the registry").isNotEmpty();
        assertThat(seen).allSatisfy(r -> assertThat(r).endsWith("auth=null"));
    }

    @Test
    @DisplayName("a registry the operator lists in HEARTH_REGISTRY_CREDENTIALS gets the operator's credentials")
    void credentials() throws Exception {
        seen.clear();
        ImagePolicy policy = new ImagePolicy(List.of(), Set.of(host), Duration.ofMinutes(1));
        assertThatThrownBy(() -> images(policy).ensure(host + "/probe:1", ImagePullPolicy.MISSING))
                .isInstanceOf(ImageNotFoundException.class);
        assertThat(seen).anySatisfy(r -> assertThat(r).endsWith("auth=Basic " + SECRET));
    }

    @Test
    @DisplayName("an image outside HEARTH_ALLOWED_IMAGES is refused by name before anything is asked of a registry")
    void allowlist() throws Exception {
        seen.clear();
        ImagePolicy policy = ImagePolicy.from(Map.of(ImagePolicy.ALLOWED_IMAGES, "docker.io/library/python, ghcr.io/"));
        assertThatThrownBy(() -> images(policy).ensure(host + "/probe:1", ImagePullPolicy.ALWAYS))
                .isInstanceOf(ImageNotFoundException.class).hasMessageContaining(host + "/probe:1")
                .hasMessageContaining(ImagePolicy.ALLOWED_IMAGES);
        assertThat(seen).isEmpty();
        assertThat(policy.allows("python:3.12")).isTrue();
        assertThat(policy.allows("docker.io/library/python@sha256:abc")).isTrue();
        assertThat(policy.allows("ghcr.io/someone/tool:1")).isTrue();
        assertThat(policy.allows("pythonx:1")).isFalse();
        assertThat(policy.allows("evil.example/library/python:1")).isFalse();
    }

    @Test
    @DisplayName("a registry that never answers fails the pull at the deadline, not after 30 minutes")
    void deadline() throws Exception {
        // filled by the accepting thread while the engine retries, read here after the server closed
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never answered
                    }
                } catch (Exception e) {
                    // closed by the test
                }
            });
            ImagePolicy policy = new ImagePolicy(List.of(), Set.of(), Duration.ofSeconds(2));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> images(policy).ensure("127.0.0.1:" + silent.getLocalPort() + "/probe:1",
                    ImagePullPolicy.MISSING)).isInstanceOf(SandboxException.class).hasMessageContaining("deadline");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
