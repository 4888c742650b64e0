// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static dev.hearth.agent.instances.InstanceFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.ExecResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("Instances on the real Docker engine (a stand-in service where OpenClaw is not the point)")
class InstancesTest {

    @TempDir
    Path root;
    InstanceFixture fx;
    InstanceSupervisor supervisor;

    @BeforeEach
    void setUp() throws Exception {
        fx = new InstanceFixture(root.resolve("state"));
        supervisor = fx.supervise();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (InstanceState s : fx.instances.store().all()) {
            fx.docker.remove(s.guest());
        }
        if (supervisor != null) {
            supervisor.close();
        }
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private void assertNothingLeft(String id, int port) throws Exception {
        assertThat(fx.docker.leftovers(id)).as("containers of " + id).isEmpty();
        assertThat(fx.instances.store().folder(id)).doesNotExist();
        await("port " + port + " closed", Duration.ofSeconds(15), () -> PortProbe.free(port));
    }

    @Test
    @DisplayName("one supervisor per state root: a second start fails as AlreadySupervised, which the agent takes as "
            + "'supervised by another process'; once the first closes, another may start")
    void oneSupervisorPerRoot() throws Exception {
        assertThat(fx.instances.supervised()).isTrue(); // setUp's
        assertThatThrownBy(fx::supervise).isInstanceOf(InstanceSupervisor.AlreadySupervised.class)
                .hasMessageContaining("another instance supervisor already runs");
        supervisor.close();
        supervisor = fx.supervise();
        assertThat(fx.instances.supervised()).isTrue();
    }

    @Test
    @DisplayName("create serves /health through the loopback proxy; stop, start, restart and destroy behave; nothing is left")
    void lifecycle() throws Exception {
        String id = InstanceFixture.newId();
        InstanceState s = fx.instances.create(InstanceFixture.spec(id), StepProgress.silent());
        assertThat(get(s.hostPort(), "/health")).contains("\"ok\":true");
        assertThat(s.hostPort()).isGreaterThan(28890);

        Path folder = fx.instances.store().folder(id);
        assertThat(Files.getPosixFilePermissions(folder.resolve("secrets.json")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(folder)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        String token = fx.instances.token(id);
        assertThat(token).matches("[0-9a-f]{64}");
        assertThat(Files.readString(folder.resolve("state.json"))).doesNotContain(token).doesNotContain("ABC-def");
        ExecResult secrets = fx.docker.exec(s.guest(), List.of("sh", "-c", "stat -c '%a %u' /job/secrets.env; cat /job/secrets.env"),
                Duration.ofSeconds(10));
        assertThat(secrets.stdout()).startsWith("600 65534").contains("OPENCLAW_GATEWAY_TOKEN=" + token);

        assertThat(fx.instances.list()).singleElement().satisfies(v -> {
            assertThat(v.guestState()).isEqualTo("running");
            assertThat(v.proxy()).startsWith("listening 127.0.0.1:" + s.hostPort());
        });

        fx.instances.stop(id, StepProgress.silent());
        InstanceView stopped = fx.instances.status(id);
        assertThat(stopped.guestState()).isEqualTo("stopped");
        await("proxy closed after stop", Duration.ofSeconds(10), () -> PortProbe.free(s.hostPort()));
        Thread.sleep(1500); // several supervisor passes: a stopped instance must stay stopped
        assertThat(fx.instances.status(id).guestState()).isEqualTo("stopped");

        fx.instances.start(id, StepProgress.silent());
        assertThat(get(s.hostPort(), "/health")).contains("\"ok\":true");

        fx.instances.stop(id, StepProgress.silent());
        fx.instances.restart(id, StepProgress.silent());
        assertThat(fx.instances.status(id).guestState()).isEqualTo("running");
        fx.instances.restart(id, StepProgress.silent());
        assertThat(get(s.hostPort(), "/health")).contains("\"ok\":true");

        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        assertThat(fx.instances.shell(id, List.of("sh", "-c", "echo hi from $(id -u); exit 3"), Optional.empty(),
                java.io.InputStream.nullInputStream(), out, out)).isEqualTo(3);
        assertThat(out.toString()).contains("hi from 65534");
        // no command: the guest's shell, here on a terminal of the caller's size
        java.io.ByteArrayOutputStream term = new java.io.ByteArrayOutputStream();
        assertThat(fx.instances.shell(id, List.of(), Optional.of(new dev.hearth.sandbox.TerminalSize(31, 101)),
                new java.io.ByteArrayInputStream("stty size; tty; exit 4\n".getBytes()), term, term)).isEqualTo(4);
        assertThat(term.toString()).contains("31 101\r\n").contains("/dev/pts/");
        StringBuilder host = new StringBuilder();
        fx.instances.logs(id, true, -1, false, (stream, b, off, len) -> host.append(new String(b, off, len)));
        assertThat(host).contains("proxy listening 127.0.0.1:" + s.hostPort()).contains("proxy closed (instance stopped)");
        fx.instances.provision(id, StepProgress.silent());
        assertThat(get(s.hostPort(), "/health")).contains("\"ok\":true");

        fx.instances.destroy(id, StepProgress.silent());
        assertNothingLeft(id, s.hostPort());
        assertThat(fx.instances.list()).isEmpty();
    }

    @ParameterizedTest(name = "a failure at {0} leaves nothing and a retry with the same id works")
    @EnumSource(CreateStep.class)
    @DisplayName("a failure injected at each create step is rolled back and names the step")
    void rollback(CreateStep failAt) throws Exception {
        String id = InstanceFixture.newId();
        fx.instances.testing(step -> {
            if (step == failAt) {
                throw new java.io.IOException("injected at " + step);
            }
        }, fx.instances.timeouts());
        assertThatThrownBy(() -> fx.instances.create(InstanceFixture.spec(id).withHostPort(28990),
                StepProgress.silent()))
                .isInstanceOf(InstanceException.class)
                .hasMessageContaining("failed at step " + failAt.label())
                .hasMessageContaining("injected at " + failAt)
                .hasMessageContaining("everything it made was removed");
        assertNothingLeft(id, 28990);

        fx.instances.testing(InstanceCreator.Faults.NONE, fx.instances.timeouts());
        InstanceState again = fx.instances.create(InstanceFixture.spec(id).withHostPort(28990), StepProgress.silent());
        assertThat(again.hostPort()).isEqualTo(28990);
        fx.instances.destroy(id, StepProgress.silent());
        assertNothingLeft(id, 28990);
    }

    @Test
    @DisplayName("a killed guest is restarted by the supervisor; status shows the restart and the exit reason")
    void crashRecovery() throws Exception {
        String id = InstanceFixture.newId();
        InstanceState s = fx.instances.create(InstanceFixture.spec(id), StepProgress.silent());
        fx.docker.kill(s.guest());
        await("the supervisor restarted the guest", Duration.ofSeconds(30),
                () -> fx.instances.status(id).report().restarts() == 1
                        && fx.instances.status(id).guestState().equals("running"));
        assertThat(fx.instances.status(id).report().lastExit()).contains("signal 9");
        await("health through the proxy again", Duration.ofSeconds(30),
                () -> HealthProbe.ok(HealthProbe.check(s.hostPort(), "/health")));
        assertThat(Files.readString(fx.instances.store().folder(id).resolve(InstanceStore.HOST_LOG)))
                .contains("guest exited (killed by signal 9").contains("restart 1");
    }

    @Test
    @DisplayName("a new supervisor brings back a running instance whose guest went down while none ran (host reboot)")
    void supervisorRestart() throws Exception {
        String id = InstanceFixture.newId();
        InstanceState s = fx.instances.create(InstanceFixture.spec(id), StepProgress.silent());
        supervisor.close();
        supervisor = null;
        await("proxy closed with its supervisor", Duration.ofSeconds(10), () -> PortProbe.free(s.hostPort()));
        fx.docker.stop(s.guest(), Duration.ZERO);
        assertThat(fx.instances.status(id).proxy()).isEqualTo("down (no supervisor)");

        supervisor = fx.supervise();
        await("guest back up and healthy", Duration.ofSeconds(30),
                () -> HealthProbe.ok(HealthProbe.check(s.hostPort(), "/health")));
        assertThat(fx.instances.status(id).guestState()).isEqualTo("running");
    }

    @Test
    @DisplayName("stop stops an instance whose service does not answer (frozen), and restart starts it again")
    void stopUnresponsive() throws Exception {
        String id = InstanceFixture.newId();
        InstanceState s = fx.instances.create(InstanceFixture.spec(id), StepProgress.silent());
        // Freeze the service: it answers nothing and ignores SIGTERM until killed.
        assertThat(fx.docker.exec(s.guest(), List.of("sh", "-c", "kill -STOP $(pidof httpd)"), Duration.ofSeconds(10)).exitCode()).isZero();
        fx.instances.stop(id, StepProgress.silent());
        assertThat(fx.instances.status(id).guestState()).isEqualTo("stopped");
        fx.instances.restart(id, StepProgress.silent());
        assertThat(get(s.hostPort(), "/health")).contains("\"ok\":true");
    }

    @Test
    @DisplayName("create refuses a duplicate id and a port another instance records, before making anything")
    void duplicates() throws Exception {
        String id = InstanceFixture.newId();
        InstanceState s = fx.instances.create(InstanceFixture.spec(id), StepProgress.silent());
        assertThatThrownBy(() -> fx.instances.create(InstanceFixture.spec(id), StepProgress.silent()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("already exists");
        String other = InstanceFixture.newId();
        assertThatThrownBy(() -> fx.instances.create(InstanceFixture.spec(other).withHostPort(s.hostPort()),
                StepProgress.silent()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--host-port")
                .hasMessageContaining("another instance uses " + s.hostPort());
        assertThat(fx.instances.store().folder(other)).doesNotExist();
        assertThat(fx.docker.leftovers(other)).isEmpty();
    }

    @Test
    @DisplayName("without a supervisor, create refuses before making anything and says how to start one")
    void needsSupervisor() throws Exception {
        supervisor.close();
        supervisor = null;
        String id = InstanceFixture.newId();
        assertThatThrownBy(() -> fx.instances.create(InstanceFixture.spec(id), StepProgress.silent()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("hearth instance supervise");
        assertThat(fx.instances.store().folder(id)).doesNotExist();
    }

    @Test
    @DisplayName("pause on the docker runtime is refused by name; the instance stays wanted running and serving, and "
            + "resume of a running instance says it is not paused")
    void pauseRefusedOnDocker() throws Exception {
        String id = InstanceFixture.newId();
        InstanceState s = fx.instances.create(InstanceFixture.spec(id), StepProgress.silent());
        assertThatThrownBy(() -> fx.instances.pause(id, StepProgress.silent())).isInstanceOf(InstanceException.class)
                .hasMessageContaining("cannot pause instance '" + id + "'")
                .hasMessageContaining("the docker runtime cannot pause").hasMessageContaining("qemu runtime");
        assertThat(fx.instances.store().read(id).orElseThrow().desired()).isEqualTo(InstanceState.Desired.RUNNING);
        assertThat(get(s.hostPort(), "/health")).contains("\"ok\":true");
        assertThatThrownBy(() -> fx.instances.resume(id, StepProgress.silent())).isInstanceOf(InstanceException.class)
                .hasMessageContaining("is not paused (it is running)");
        fx.instances.destroy(id, StepProgress.silent());
        assertNothingLeft(id, s.hostPort());
    }
}
