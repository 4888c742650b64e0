// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The QMP client against a real QEMU, started paused (-S) so no guest kernel is needed. */
@DisplayName("The QMP client, against a real qemu-system-x86_64")
class QmpClientTest {

    private Path dir;
    private Process qemu;
    private QmpClient qmp;

    @BeforeEach
    void startQemu() throws Exception {
        dir = Files.createTempDirectory("hqmp-");
        Path socket = dir.resolve("qmp.sock");
        qemu = new ProcessBuilder(QemuVmm.DEFAULT_BINARY.toString(), "-M", "microvm", "-accel", "tcg",
                "-m", "64M", "-nodefaults", "-no-user-config", "-nographic", "-S",
                "-qmp", "unix:" + socket + ",server=on,wait=off").redirectErrorStream(true).start();
        qmp = QmpClient.connect(socket, Duration.ofSeconds(15), qemu::isAlive);
    }

    @AfterEach
    void stopQemu() throws Exception {
        qmp.close();
        qemu.destroyForcibly();
        qemu.waitFor(10, TimeUnit.SECONDS);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Test
    @DisplayName("the greeting names QEMU's version and capabilities are negotiated before the first command")
    void greetingAndStatus() throws Exception {
        JsonNode greeting = qmp.greeting();
        assertThat(greeting.path("QMP").path("version").path("qemu").path("major").asInt()).isPositive();
        JsonNode status = qmp.execute("query-status", Map.of(), Duration.ofSeconds(10));
        assertThat(status.path("status").asText()).isEqualTo("prelaunch");
        assertThat(status.path("running").asBoolean()).isFalse();
    }

    @Test
    @DisplayName("events are routed apart from replies: cont's RESUME event is not taken for a reply")
    void eventsApartFromReplies() throws Exception {
        JsonNode reply = qmp.execute("cont", Map.of(), Duration.ofSeconds(10));
        assertThat(reply.isObject() && reply.isEmpty()).as("cont returns {}").isTrue();
        assertThat(qmp.awaitEvent("RESUME", Duration.ofSeconds(10))).isPresent();
        assertThat(qmp.execute("query-status", Map.of(), Duration.ofSeconds(10)).path("status").asText())
                .isEqualTo("running");
        qmp.execute("stop", Map.of(), Duration.ofSeconds(10));
        assertThat(qmp.awaitEvent("STOP", Duration.ofSeconds(10))).isPresent();
    }

    @Test
    @DisplayName("a refused command raises QEMU's error class and description")
    void errorReply() {
        assertThatThrownBy(() -> qmp.execute("no-such-command", Map.of(), Duration.ofSeconds(10)))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("QMP no-such-command failed: CommandNotFound");
    }

    @Test
    @DisplayName("commands take arguments; system_powerdown is accepted by a running machine")
    void argumentsAndPowerdown() throws Exception {
        JsonNode cmds = qmp.execute("query-commands", Map.of(), Duration.ofSeconds(10));
        List<String> names = cmds.findValuesAsText("name");
        assertThat(names).contains("system_powerdown", "quit", "query-status");
        JsonNode schema = qmp.execute("qom-list", Map.of("path", "/machine"), Duration.ofSeconds(10));
        assertThat(schema.isArray()).isTrue();
        qmp.execute("cont", Map.of(), Duration.ofSeconds(10));
        qmp.execute("system_powerdown", Map.of(), Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("quit ends QEMU with a SHUTDOWN event, and later commands fail instead of hanging")
    void quit() throws Exception {
        qmp.execute("quit", Map.of(), Duration.ofSeconds(10));
        assertThat(qmp.awaitEvent("SHUTDOWN", Duration.ofSeconds(10))).isPresent();
        assertThat(qemu.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> qmp.execute("query-status", Map.of(), Duration.ofSeconds(10)))
                .isInstanceOf(SandboxException.class);
    }

    @Test
    @DisplayName("connecting to a QEMU that died fails at once with a clear message")
    void deadQemu() throws Exception {
        qemu.destroyForcibly();
        qemu.waitFor(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("qmp.sock"), Duration.ofSeconds(10), qemu::isAlive))
                .isInstanceOf(SandboxException.class).hasMessageContaining("QEMU exited");
    }
}
