// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.docker.DockerGuests;
import dev.hearth.agent.instances.InstanceSettings;
import dev.hearth.agent.instances.InstanceState;
import dev.hearth.agent.instances.InstanceSupervisor;
import dev.hearth.agent.instances.Instances;
import dev.hearth.cli.HearthCommand;
import dev.hearth.cli.ProcessLists;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.OpenClawImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Tag("e2e")
@DisplayName("A real OpenClaw gateway as a Docker instance: create, health and token through the proxy, crash, lifecycle")
class OpenClawInstanceE2eTest {

    @BeforeAll
    static void openClawImage() throws Exception {
        // Built once per machine (about 5 minutes), then found by its content tag.
        OpenClawImage.ensure(DockerFixture.driver().images(), OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                BuildProgress.silent());
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HearthCommand.commandLine(env);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private static HttpResponse<String> http(HttpRequest.Builder request) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static HttpResponse<String> invoke(int port, String token) throws IOException, InterruptedException {
        return http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tools/invoke"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tool\":\"sessions_list\",\"args\":{}}")));
    }

    private static boolean healthy(int port) {
        try {
            HttpResponse<String> r = http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")));
            return r.statusCode() == 200 && r.body().replace(" ", "").contains("\"ok\":true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void await(String what, Duration limit, BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!check.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(500);
        }
    }

    @Test
    @DisplayName("create, /health and the token through the proxy, a crash restarted, stop/start/restart, destroy leaves nothing")
    void openClawInstance(@TempDir Path dir) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        env.put("STATE_ROOT", dir.resolve("state").toString());
        env.put("BASE_PORT", "48890");
        String telegram = "123456:e2e-" + UUID.randomUUID();
        env.put("TELEGRAM_BOT_TOKEN", telegram);
        InstanceSettings settings = InstanceSettings.from(env, dir.resolve("home"));
        DockerGuests docker = new DockerGuests(DockerFixture.driver(), settings.stateRoot(), OpenClawImage::buildOwn);
        Instances instances = Instances.openClaw(settings, Map.of(InstanceRuntime.DOCKER, docker));
        String id = "oc-" + UUID.randomUUID().toString().substring(0, 8);
        InstanceSupervisor supervisor = InstanceSupervisor.start(instances, InstantSource.system());
        try {
            Run create = cli(env, "instance", "create", "--instance", id, "--telegram-users", "42",
                    "--vm-vcpu", "2", "--vm-mem-mib", "2048");
            assertThat(create.exit()).as(create.err() + create.out()).isZero();
            for (String step : new String[] {"allocate", "disk/image", "boot", "wait", "provision", "proxy", "health"}) {
                assertThat(create.err()).contains("==> " + step).contains("done: " + step + " (");
            }
            InstanceState state = instances.store().read(id).orElseThrow();
            int port = state.hostPort();
            HttpResponse<String> health = http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"ok\":true");

            Run token = cli(env, "instance", "token", id);
            assertThat(token.exit()).isZero();
            String gatewayToken = token.out().strip();
            assertThat(gatewayToken).matches("[0-9a-f]{64}");
            assertThat(invoke(port, "0".repeat(64)).statusCode()).isEqualTo(401);
            await("the right token is accepted by /tools/invoke", Duration.ofMinutes(2), () -> {
                try {
                    HttpResponse<String> r = invoke(port, gatewayToken);
                    return r.statusCode() == 200 && r.body().contains("\"ok\":true");
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
            assertThat(ProcessLists.inAnyCommandLine(gatewayToken)).as("the gateway token in a process's argv").isFalse();
            assertThat(ProcessLists.inAnyCommandLine(telegram)).as("the Telegram token in a process's argv").isFalse();
            Process inspect = new ProcessBuilder("docker", "inspect", "--format", "{{json .Config.Env}}",
                    state.guestName()).redirectErrorStream(true).start();
            String containerEnv = new String(inspect.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(inspect.waitFor()).isZero();
            assertThat(containerEnv).doesNotContain(gatewayToken).doesNotContain(telegram);

            Run list = cli(env, "instance", "list");
            assertThat(list.out()).contains(id).contains("docker   running  listening  ok");

            // Crash: the container's main process killed; the supervisor starts it again and health returns.
            docker.kill(state.guest());
            await("the supervisor restarted the killed gateway", Duration.ofMinutes(1),
                    () -> uncheckedRestarts(instances, id) >= 1);
            await("health through the proxy after the crash", Duration.ofMinutes(4), () -> healthy(port));
            Run status = cli(env, "instance", "status", id);
            assertThat(status.out()).contains("restarts:   1").contains("last exit:  killed by signal 9");

            Run stop = cli(env, "instance", "stop", id);
            assertThat(stop.exit()).as(stop.err()).isZero();
            assertThat(cli(env, "instance", "status", id).out()).contains("state:      stopped (wanted: stopped)");
            await("proxy closed after stop", Duration.ofSeconds(15), () -> portFree(port));

            Run start = cli(env, "instance", "start", id);
            assertThat(start.exit()).as(start.err()).isZero();
            assertThat(healthy(port)).isTrue();

            Run restart = cli(env, "instance", "restart", id);
            assertThat(restart.exit()).as(restart.err()).isZero();
            assertThat(healthy(port)).isTrue();

            Run destroy = cli(env, "instance", "destroy", id, "--force");
            assertThat(destroy.exit()).as(destroy.err()).isZero();
            assertThat(docker.leftovers(id)).isEmpty();
            assertThat(settings.stateRoot().resolve(id)).doesNotExist();
            await("no proxy listening after destroy", Duration.ofSeconds(15), () -> portFree(port));
            assertThat(cli(env, "instance", "list").out()).isEqualTo("no instances\n");
        } finally {
            for (InstanceState s : instances.store().all()) {
                docker.remove(s.guest());
            }
            supervisor.close();
        }
    }

    private static int uncheckedRestarts(Instances instances, String id) {
        try {
            return instances.status(id).report().restarts();
        } catch (IOException e) {
            return 0;
        }
    }
}
