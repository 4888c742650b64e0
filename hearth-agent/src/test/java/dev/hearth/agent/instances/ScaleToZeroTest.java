// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.TerminalSize;
import dev.hearth.sandbox.docker.DockerGuests;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.OpenClawImage;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale to zero through the supervisor, on the real engine with the stand-in service: Docker cannot pause to disk,
 * so the runtime here is Docker whose "pause" stops the container and marks it paused (its memory is not kept;
 * what is tested is the supervisor's idle pause, its wake listener holding a connection while the guest resumes,
 * and the splice through). The QEMU save itself is proven by {@code QemuSaveResumeE2eTest}.
 */
@DisplayName("An idle instance is paused by the supervisor and woken by the next connection to its port")
class ScaleToZeroTest {

    @TempDir
    Path root;

    @Test
    @DisplayName("no connection for the idle limit pauses it (health probes aside); a GET on its port is held, "
            + "wakes it and is answered; then the proxy is back; destroy leaves nothing")
    void idlePauseAndWake() throws Exception {
        Path state = root.resolve("state");
        InstanceSettings settings = InstanceSettings.from(Map.of("STATE_ROOT", state.toString(), "BASE_PORT",
                "29890"), state.resolve("home"));
        DockerGuests docker = new DockerGuests(DockerFixture.driver(), settings.stateRoot(),
                OpenClawImage::buildOwn);
        StoppingPause runtime = new StoppingPause(docker, state.resolve("paused"));
        Instances instances = new Instances(settings, Map.of(InstanceRuntime.DOCKER, runtime), new StubProvisioner(),
                InstantSource.system(), BaseImages.BUSYBOX);
        instances.testing(InstanceCreator.Faults.NONE, new InstanceCreator.Timeouts(Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(60)));
        String id = InstanceFixture.newId();
        InstanceState s;
        try (InstanceSupervisor supervisor = InstanceSupervisor.start(instances, InstantSource.system(),
                Duration.ofMillis(200), Optional.of(Duration.ofSeconds(2)))) {
            s = instances.create(InstanceFixture.spec(id), StepProgress.silent());
            assertThat(get(s.hostPort())).contains("\"ok\":true");
            InstanceFixture.await("paused after 2 s without a connection", Duration.ofSeconds(30),
                    () -> instances.store().read(id).orElseThrow().desired() == InstanceState.Desired.PAUSED
                            && runtime.paused(s.guest()));
            InstanceFixture.await("the wake listener up", Duration.ofSeconds(10),
                    () -> instances.store().report(id).proxy().startsWith("waking on"));

            assertThat(get(s.hostPort())).as("the held connection, answered once woken").contains("\"ok\":true");
            assertThat(instances.store().read(id).orElseThrow().desired()).isEqualTo(InstanceState.Desired.RUNNING);
            assertThat(runtime.resumes).isEqualTo(1);
            InstanceFixture.await("the proxy back", Duration.ofSeconds(10),
                    () -> instances.store().report(id).proxy().startsWith("listening"));
            instances.destroy(id, StepProgress.silent());
        }
        assertThat(docker.leftovers(id)).isEmpty();
        assertThat(instances.store().folder(id)).doesNotExist();
        InstanceFixture.await("port closed", Duration.ofSeconds(15), () -> PortProbe.free(s.hostPort()));
    }

    private static String get(int port) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** Docker with a pause that stops the container and a resume that starts it again (test stand-in). */
    private static final class StoppingPause implements GuestDriver {
        private final DockerGuests docker;
        private final Path marks;
        volatile int resumes;

        StoppingPause(DockerGuests docker, Path marks) throws IOException {
            this.docker = docker;
            this.marks = Files.createDirectories(marks);
        }

        @Override
        public boolean canPause() {
            return true;
        }

        @Override
        public void pause(GuestHandle state, Duration within) throws SandboxException {
            docker.stop(state, Duration.ofSeconds(5));
            try {
                Files.writeString(marks.resolve(state.id()), "");
            } catch (IOException e) {
                throw new SandboxException("cannot mark " + state.id(), e);
            }
        }

        @Override
        public void resume(GuestHandle state) throws SandboxException {
            resumes++;
            docker.start(state);
            try {
                Files.deleteIfExists(marks.resolve(state.id()));
            } catch (IOException e) {
                throw new SandboxException("cannot unmark " + state.id(), e);
            }
        }

        @Override
        public boolean paused(GuestHandle state) {
            return Files.exists(marks.resolve(state.id()));
        }

        @Override
        public String name() {
            return docker.name();
        }

        @Override
        public void prepare(dev.hearth.core.instance.InstanceSpec spec, GuestHandle state, GuestWorkload workload,
                BuildProgress progress) throws SandboxException, InterruptedException {
            docker.prepare(spec, state, workload, progress);
        }

        @Override
        public void create(GuestHandle state, GuestWorkload workload) throws SandboxException, InterruptedException {
            docker.create(state, workload);
        }

        @Override
        public void start(GuestHandle state) throws SandboxException {
            docker.start(state);
        }

        @Override
        public void stop(GuestHandle state, Duration grace) throws SandboxException {
            docker.stop(state, grace);
        }

        @Override
        public void kill(GuestHandle state) throws SandboxException {
            docker.kill(state);
        }

        @Override
        public void remove(GuestHandle state) {
            docker.remove(state);
        }

        @Override
        public Optional<GuestStatus> status(GuestHandle state) throws SandboxException {
            return docker.status(state);
        }

        @Override
        public ExecResult exec(GuestHandle state, List<String> command, Duration timeout)
                throws SandboxException, InterruptedException {
            return docker.exec(state, command, timeout);
        }

        @Override
        public long attach(GuestHandle state, List<String> command, Optional<TerminalSize> tty, InputStream in,
                OutputStream out, OutputStream err) throws SandboxException, InterruptedException {
            return docker.attach(state, command, tty, in, out, err);
        }

        @Override
        public void writeFile(GuestHandle state, String folder, String name, byte[] content, int mode, int uid)
                throws SandboxException {
            docker.writeFile(state, folder, name, content, mode, uid);
        }

        @Override
        public Closeable logs(GuestHandle state, int tail, boolean follow, LogSink sink) throws SandboxException {
            return docker.logs(state, tail, follow, sink);
        }

        @Override
        public void awaitLogs(Closeable logs) throws InterruptedException {
            docker.awaitLogs(logs);
        }

        @Override
        public String guestName(String id) {
            return docker.guestName(id);
        }

        @Override
        public List<String> leftovers(String id) throws SandboxException {
            return docker.leftovers(id);
        }
    }
}
