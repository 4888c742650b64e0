// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.PublishedPort;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxContract;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Docker driver, against the real engine")
class DockerDriverTest extends SandboxContract {

    @Override
    protected SandboxDriver driver() throws Exception {
        return DockerFixture.driver();
    }

    @Override
    protected SandboxSpec.Builder shell(String script) {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script))
                .name("hearth-test-" + java.util.UUID.randomUUID());
    }

    @Override
    protected List<String> leftovers() throws Exception {
        return DockerFixture.hearthContainers("hearth-test-");
    }

    @Test
    @DisplayName("an unreachable engine gives one line naming the address and how to start it")
    void engineUnreachable() {
        assertThatThrownBy(() -> DockerDriver.connect("unix:///tmp/hearth-no-such-docker.sock"))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("cannot reach the Docker engine at unix:///tmp/hearth-no-such-docker.sock")
                .hasMessageContaining("systemctl start docker")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @DisplayName("a published port is bound on host loopback only and reaches the guest")
    void publishedPortOnLoopback() throws Exception {
        SandboxSpec spec = shell("mkdir -p /tmp/www && echo hello-from-guest > /tmp/www/index.html && "
                + "exec httpd -f -p 8080 -h /tmp/www").network(NetworkMode.NAT)
                .publish(new PublishedPort(8080, 0)).build();
        try (Sandbox s = driver().create(spec)) {
            s.start(LogSink.discard());
            InetSocketAddress at = s.endpoint(8080).orElseThrow();
            assertThat(at.getHostString()).isEqualTo("127.0.0.1");
            String body = fetch(at, Duration.ofSeconds(20));
            assertThat(body).contains("200 OK").contains("hello-from-guest");
            assertThat(s.endpoint(9999)).isEmpty();
        }
    }

    private static String fetch(InetSocketAddress at, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(at, 2000);
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                out.write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!text.isEmpty()) {
                    return text;
                }
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(200);
        }
    }

    @Test
    @DisplayName("a job container whose owner process died is reaped on the next connect")
    void orphanedJobReaped() throws Exception {
        // Simulate a dead owner: a container labelled with a pid that does not exist on this host.
        String name = "hearth-test-orphan-" + System.nanoTime();
        Process p = new ProcessBuilder("docker", "create", "--name", name,
                "--label", "dev.hearth.sandbox=" + name, "--label", "dev.hearth.kind=job",
                "--label", "dev.hearth.owner.host=" + java.net.InetAddress.getLocalHost().getHostName(),
                "--label", "dev.hearth.owner.pid=999999999", BaseImages.BUSYBOX, "true").inheritIO().start();
        assertThat(p.waitFor()).isZero();
        assertThat(leftovers()).contains(name);
        try (DockerDriver other = DockerDriver.connect()) {
            assertThat(other.openSandboxes()).isZero();
        }
        assertThat(leftovers()).doesNotContain(name);
    }

    @Test
    @DisplayName("a sandbox network whose owner died and whose container is gone is reaped on the next connect; "
            + "one whose container remains is kept")
    void orphanedNetworkReaped() throws Exception {
        String host = java.net.InetAddress.getLocalHost().getHostName();
        String gone = "hearth-test-orphan-net-" + System.nanoTime();
        String kept = "hearth-test-orphan-kept-" + System.nanoTime();
        for (String sandbox : List.of(gone, kept)) {
            Process p = new ProcessBuilder("docker", "network", "create", "--label", "dev.hearth.sandbox=" + sandbox,
                    "--label", "dev.hearth.owner.host=" + host, "--label", "dev.hearth.owner.pid=999999999",
                    SandboxNetwork.nameOf(sandbox)).inheritIO().start();
            assertThat(p.waitFor()).isZero();
        }
        // the allowlist chains a killed process left behind for the orphaned sandbox (its bridge need not exist)
        dev.hearth.sandbox.net.SandboxFence leftover = dev.hearth.sandbox.net.SandboxFence.install(
                SandboxNetwork.bridgeOf(gone), "10.213.255.1", List.of(), java.time.Duration.ofSeconds(20));
        Process c = new ProcessBuilder("docker", "create", "--name", kept, "--network", SandboxNetwork.nameOf(kept),
                BaseImages.BUSYBOX, "true").inheritIO().start();
        assertThat(c.waitFor()).isZero();
        try {
            DockerDriver.connect().close();
            assertThat(networks()).doesNotContain(SandboxNetwork.nameOf(gone)).contains(SandboxNetwork.nameOf(kept));
            Process rules = new ProcessBuilder("iptables", "-S").start();
            assertThat(new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .doesNotContain(SandboxNetwork.bridgeOf(gone));
        } finally {
            leftover.close();
            new ProcessBuilder("docker", "rm", "-f", kept).start().waitFor();
            new ProcessBuilder("docker", "network", "rm", SandboxNetwork.nameOf(kept)).start().waitFor();
        }
    }

    @Test
    @DisplayName("a NAT instance container gets a network of its own, is made again over a leftover network, and "
            + "remove takes both")
    void instanceNetwork() throws Exception {
        DockerContainers containers = DockerFixture.driver().containers();
        SandboxSpec spec = shell("sleep 600").name("hearth-test-inst-" + System.nanoTime())
                .kind(dev.hearth.sandbox.WorkloadKind.INSTANCE).network(NetworkMode.NAT).build();
        try {
            containers.create(spec, java.util.Map.of());
            assertThat(networks()).contains(SandboxNetwork.nameOf(spec.name()));
            // the container vanishes behind Hearth's back; its network stays, and the next create reuses it
            assertThat(new ProcessBuilder("docker", "rm", "-f", spec.name()).start().waitFor()).isZero();
            containers.create(spec, java.util.Map.of());
        } finally {
            containers.remove(spec.name());
        }
        assertThat(networks()).doesNotContain(SandboxNetwork.nameOf(spec.name()));
        assertThat(leftovers()).doesNotContain(spec.name());
    }

    private static List<String> networks() throws Exception {
        Process p = new ProcessBuilder("docker", "network", "ls", "--format", "{{.Name}}").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().toList();
    }

    @Test
    @DisplayName("closing the driver removes every sandbox it still holds")
    void driverCloseRemovesAll() throws Exception {
        DockerDriver own = DockerDriver.connect();
        SandboxSpec a = shell("sleep 600").build();
        SandboxSpec b = shell("sleep 600").build();
        own.create(a).start(LogSink.discard());
        own.create(b);
        assertThat(own.openSandboxes()).isEqualTo(2);
        own.close();
        assertThat(leftovers()).doesNotContain(a.name(), b.name());
    }

    @Test
    @DisplayName("stop on a sandbox that already exited returns its status")
    void stopAfterExit() throws Exception {
        SandboxSpec spec = shell("exit 7").build();
        try (Sandbox s = driver().create(spec)) {
            s.start(LogSink.discard());
            assertThat(s.await(Duration.ofSeconds(30))).isPresent();
            assertThat(s.stop(Duration.ofSeconds(1)).exitCode()).isEqualTo(7);
        }
    }
}
