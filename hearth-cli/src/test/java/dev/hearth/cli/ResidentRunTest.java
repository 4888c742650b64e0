// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.host.HostSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth run through a resident process: the same output and exit as cold, on a warm pool")
class ResidentRunTest {

    @TempDir
    static Path home;
    private static ResidentUnderTest resident;
    private static ResidentServer server;

    @BeforeAll
    static void start() throws Exception {
        DockerFixture.driver();
        resident = ResidentUnderTest.start(home, HostRuntimes.open(HostSettings.docker(System.getenv()),
                BuildProgress.silent()), "docker");
        server = resident.server();
    }

    @AfterAll
    static void stop() throws Exception {
        resident.close();
    }

    private record Outcome(int exit, String out, String err) {
    }

    private static Map<String, String> env(String mode) {
        return resident.env(mode);
    }

    /** Through the resident, as Main does it, once a warm container is ready. */
    private static Outcome resident(String... args) throws Exception {
        resident.awaitReady(Duration.ofSeconds(60));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OptionalInt exit = ResidentClient.run(args, env("always"), out, err);
        assertThat(exit).as("ran through the resident").isPresent();
        return new Outcome(exit.getAsInt(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Outcome cold(String... args) {
        CliRun r = CliRun.of(env("never"), args);
        return new Outcome(r.exit(), r.out(), r.err());
    }

    /** The lines that name no time, duration, hash or sandbox: what must read the same either way. */
    private static List<String> stable(String text) {
        return text.lines().filter(l -> !l.matches("(?i).*(hash|time|duration|started|finished|at  ).*")).toList();
    }

    @Test
    @DisplayName("a failing job: same stdout, same stderr lines and the job's exit status, through the warm pool")
    void sameAsCold() throws Exception {
        String id = "res-" + UUID.randomUUID();
        String[] args = {"run", "--job-id", id, "--", "sh", "-c", "echo hello; echo warn >&2; exit 3"};
        Outcome warm = resident(args);
        Outcome cold = cold(args);
        assertThat(warm.exit()).isEqualTo(cold.exit()).isEqualTo(3);
        assertThat(warm.out()).isEqualTo(cold.out()).isEqualTo("hello\n");
        assertThat(stable(warm.err())).containsExactlyInAnyOrderElementsOf(stable(cold.err()));
        assertThat(warm.err()).contains("warn\n").contains("status         failed");
    }

    @Test
    @DisplayName("--json: the same result document but for its times and hashes")
    void jsonSameAsCold() throws Exception {
        String id = "res-" + UUID.randomUUID();
        String[] args = {"run", "--json", "--job-id", id, "--", "sh", "-c", "id -u; pwd; echo $HOME; ls -A /job"};
        Outcome warm = resident(args);
        Outcome cold = cold(args);
        assertThat(warm.exit()).isEqualTo(cold.exit()).isZero();
        JsonNode w = Json.mapper().readTree(warm.out());
        JsonNode c = Json.mapper().readTree(cold.out());
        for (String field : List.of("jobId", "status", "exitCode", "image", "logs", "logBytes", "logsTruncated")) {
            assertThat(w.get(field)).as(field).isEqualTo(c.get(field));
        }
        assertThat(w.get("logs").asText()).isEqualTo("65534\n/job\n/tmp\nout\n");
        assertThat(warm.err()).isEqualTo(cold.err().replace(c.get("jobId").asText(), w.get("jobId").asText()));
    }

    @Test
    @DisplayName("the job runs in a warm container: its holder is there beside it, and the container was never used")
    void runsWarm() throws Exception {
        Outcome warm = resident("run", "--", "sh", "-c", "ps -o args | grep -c '^sleep 2147483647'; ls -A /tmp");
        assertThat(warm.exit()).isZero();
        assertThat(warm.out()).isEqualTo("1\n");
    }

    @Test
    @DisplayName("a client that goes away mid-job cancels it: its sandbox is removed")
    void clientGoneCancels() throws Exception {
        String id = "res-" + UUID.randomUUID();
        // --pids 100: a key no pool keeps, so the sandbox is made cold under the job's own name
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(server.socket()))) {
            java.io.DataOutputStream req = new java.io.DataOutputStream(java.nio.channels.Channels.newOutputStream(ch));
            String[] args = {"run", "--pids", "100", "--job-id", id, "--", "sh", "-c", "echo started; sleep 600"};
            req.writeInt(ResidentClient.VERSION);
            req.writeInt(args.length);
            for (String a : args) {
                ResidentClient.string(req, a);
            }
            req.writeInt(0);
            ResidentClient.string(req, "/");
            req.flush();
            java.io.DataInputStream in = new java.io.DataInputStream(java.nio.channels.Channels.newInputStream(ch));
            String seen = "";
            while (!seen.contains("started")) {
                byte type = in.readByte();
                assertThat(type).isNotEqualTo(ResidentClient.EXIT);
                seen += new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            }
            assertThat(DockerFixture.hearthContainers("hearth-job-" + id)).hasSize(1);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!DockerFixture.hearthContainers("hearth-job-" + id).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(DockerFixture.hearthContainers("hearth-job-" + id)).as("the cancelled job's sandbox").isEmpty();
    }

    @Test
    @DisplayName("bad input is refused the same way, exit 2")
    void badInput() throws Exception {
        Outcome warm = resident("run", "--memory", "lots", "--", "true");
        Outcome cold = cold("run", "--memory", "lots", "--", "true");
        assertThat(warm).isEqualTo(cold);
        assertThat(warm.exit()).isEqualTo(2);
    }

    @Test
    @DisplayName("the socket is the owner's only (0600 in a 0700 folder); a second resident on it is refused")
    void socketPermissions() throws Exception {
        Path socket = server.socket();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                .isEqualTo("rwx------");
        assertThatThrownBy(() -> ResidentServer.listen(socket, env -> null))
                .hasMessageContaining("another resident process already serves " + socket);
    }

    @Test
    @DisplayName("without a resident: auto runs cold, always fails with how to start one, never stays cold")
    void modes() {
        Map<String, String> env = Map.of("HEARTH_RESIDENT_SOCKET", home.resolve("none.sock").toString());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(ResidentClient.run(new String[] {"run", "--", "true"}, env, System.out, err)).isEmpty();
        assertThat(ResidentClient.run(new String[] {"run", "--resident=always", "--", "true"}, env, System.out, err))
                .hasValue(ExitCodes.ENGINE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("start one with 'hearth resident'");
        assertThat(ResidentClient.mode(new String[] {"run", "--file", "a:b", "--", "true"}, Map.of()))
                .isEqualTo(ResidentClient.Mode.NEVER);
        assertThat(ResidentClient.mode(new String[] {"run", "--", "echo", "--resident=never"}, Map.of()))
                .isEqualTo(ResidentClient.Mode.AUTO);
    }
}
