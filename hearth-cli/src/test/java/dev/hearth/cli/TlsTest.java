// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.agent.link.Backoff;
import dev.hearth.agent.link.CoordinatorLink;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ServerTls;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.Protocol;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("TLS end to end: a self-signed coordinator, pinned by the CLI over HTTPS and the agent over WSS")
class TlsTest {

    private static final String WRONG = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
            + "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String fingerprint;
    private Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(10),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(200)), InstantSource.system(),
                OracleSettings.DEFAULTS, new ServerTls.Mode.SelfSigned());
        fingerprint = ServerTls.selfSigned(data, "127.0.0.1").fingerprint();
        env = new HashMap<>(System.getenv());
        env.remove("HEARTH_TLS_FINGERPRINT");
        env.remove("HEARTH_TLS_CA");
        env.put("HEARTH_COORDINATOR", "https://127.0.0.1:" + server.port());
        env.put("HEARTH_TOKEN", Files.readString(data.resolve("admin.token")).strip());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("the self-signed key is mode 600; the CLI with the pinned fingerprint gets through, a wrong one "
            + "or none is refused")
    void cliPinned() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(ServerTls.KEY_FILE))))
                .isEqualTo("rw-------");
        CliRun pinned = CliRun.of(env, "job", "list", "--tls-fingerprint", fingerprint);
        assertThat(pinned.exit()).as(pinned.err()).isZero();
        CliRun lower = CliRun.of(env, "job", "list", "--tls-fingerprint", fingerprint.replace(":", "").toLowerCase());
        assertThat(lower.exit()).as(lower.err()).isZero();

        CliRun wrong = CliRun.of(env, "job", "list", "--tls-fingerprint", WRONG);
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.out()).isEmpty();
        CliRun unpinned = CliRun.of(env, "job", "list");
        assertThat(unpinned.exit()).isNotZero();
        CliRun plain = CliRun.of(Map.of("HEARTH_COORDINATOR", "http://127.0.0.1:" + server.port(), "HEARTH_TOKEN",
                env.get("HEARTH_TOKEN")), "job", "list");
        assertThat(plain.exit()).isNotZero();
    }

    @Test
    @DisplayName("the agent's link with the pinned fingerprint gets the coordinator's hello over WSS; a wrong one "
            + "never connects")
    void agentPinned() throws Exception {
        URI endpoint = URI.create("wss://127.0.0.1:" + server.port() + Protocol.AGENT_PATH);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        CoordinatorLink.Listener listener = new CoordinatorLink.Listener() {
            @Override
            public void connected() {
                events.add("connected");
            }

            @Override
            public void received(CoordinatorMessage message) {
                events.add("message " + message.getClass().getSimpleName());
            }

            @Override
            public void disconnected(String why, Duration retryIn) {
                events.add("disconnected " + why);
            }
        };
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofMillis(400), () -> 0.5);
        CoordinatorLink good = new CoordinatorLink(endpoint, backoff, listener,
                CoordinatorLink.trust(Map.of("HEARTH_TLS_FINGERPRINT", fingerprint)));
        good.start();
        assertThat(events.poll(15, TimeUnit.SECONDS)).isEqualTo("connected");
        assertThat(events.poll(15, TimeUnit.SECONDS)).startsWith("message");
        good.close();
        events.clear();

        CoordinatorLink bad = new CoordinatorLink(endpoint, backoff, listener,
                CoordinatorLink.trust(Map.of("HEARTH_TLS_FINGERPRINT", WRONG)));
        bad.start();
        String first = events.poll(15, TimeUnit.SECONDS);
        bad.close();
        assertThat(first).startsWith("disconnected");
        assertThat(events).noneMatch(e -> e.equals("connected"));
    }
}
