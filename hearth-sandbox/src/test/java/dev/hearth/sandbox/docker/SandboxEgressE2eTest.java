// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.net.TestNamespace;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NAT job on the real engine and the real iptables, against addresses made live in test namespaces: the cloud
 * metadata address 169.254.169.254 and a LAN server at 192.168.231.2, each in a namespace routed from the host
 * with a real HTTP server behind it; a second sandbox's container and gateway; the host's own addresses. Only a
 * server at a public address (198.51.100.2, also in a test namespace) may answer. No packet leaves the machine:
 * every address the job tries is inside a namespace this test made, or the host's own.
 */
@Tag("e2e")
@DisplayName("A NAT sandbox reaches the internet but not link-local, private ranges, other sandboxes or the host")
class SandboxEgressE2eTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    @Test
    @DisplayName("metadata, LAN, a second sandbox, its gateway and the host are refused; a public server answers; "
            + "networks and namespaces are gone after")
    void natJobIsFenced() throws Exception {
        DockerDriver driver = DockerFixture.driver();
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<String> namespaces = new ArrayList<>();
        namespaces.add(liveServer("hm" + tag, "169.254.169.253/30", "169.254.169.254/30", 80, "meta-secret"));
        namespaces.add(liveServer("hl" + tag, "192.168.231.1/24", "192.168.231.2/24", 8080, "lan-secret"));
        namespaces.add(liveServer("hp" + tag, "198.51.100.1/24", "198.51.100.2/24", 8080, "public-ok"));
        int hostPort = freePort();
        serve(List.of(), "0.0.0.0", hostPort, "host-secret");

        SandboxSpec peerSpec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("httpd", "-f", "-p", "8080", "-h",
                "/job/www")).name("hearth-test-peer-" + tag).network(NetworkMode.NAT)
                .files(List.of(new JobFile("/job/www/id", "peer-secret".getBytes(StandardCharsets.UTF_8), 0644)))
                .build();
        Sandbox peer = driver.create(peerSpec);
        cleanup.add(peer);
        peer.start(LogSink.discard());
        String[] peerNet = inspect(peer.id()).split(" ");

        SandboxSpec jobSpec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c",
                "gw=$(ip route | awk '/default/ {print $3}'); for t in \"$@\" $gw:" + hostPort + "; do "
                        // busybox's wget crashes in this image; nc speaks the one request needed
                        + "printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${t%:*} ${t#*:} | tail -n 1; "
                        + "echo \" <- $t\"; done", "job",
                "169.254.169.254:80", "192.168.231.2:8080", peerNet[0] + ":8080", peerNet[1] + ":" + hostPort,
                "172.17.0.1:" + hostPort, "198.51.100.2:8080"))
                .name("hearth-test-egress-" + tag).network(NetworkMode.NAT).build();
        StringBuilder out = new StringBuilder();
        try (Sandbox job = driver.create(jobSpec)) {
            job.start((stream, bytes, off, len) -> {
                synchronized (out) {
                    out.append(new String(bytes, off, len, StandardCharsets.UTF_8));
                }
            });
            assertThat(job.await(Duration.ofSeconds(60))).isPresent();
        }
        String log;
        synchronized (out) {
            log = out.toString();
        }
        assertThat(log).contains("public-ok <- 198.51.100.2:8080")
                .doesNotContain("meta-secret", "lan-secret", "peer-secret", "host-secret");

        peer.close();
        for (String sandbox : List.of(jobSpec.name(), peerSpec.name())) {
            assertThat(command("docker", "network", "ls", "--format", "{{.Name}}"))
                    .doesNotContain(SandboxNetwork.nameOf(sandbox));
            assertThat(command("ip", "-o", "link")).doesNotContain(SandboxNetwork.bridgeOf(sandbox));
            assertThat(command("iptables", "-S")).doesNotContain(SandboxNetwork.bridgeOf(sandbox));
        }
        tearDown();
        cleanup.clear();
        assertThat(command("ip", "netns", "list")).doesNotContain(namespaces);
    }

    /** A namespace linked to the host, with an HTTP server at {@code address} answering {@code marker}. */
    private String liveServer(String link, String hostAddress, String address, int port, String marker)
            throws Exception {
        TestNamespace ns = TestNamespace.create();
        cleanup.add(ns);
        ns.linkToHost(link, hostAddress, address);
        String ip = address.substring(0, address.indexOf('/'));
        serve(ns.inside(), ip, port, marker);
        return ns.name();
    }

    private void serve(List<String> prefix, String ip, int port, String marker) throws Exception {
        LiveServers.serve(dir, cleanup, prefix, ip, port, marker);
    }

    /** The container's address and gateway on its network. */
    private static String inspect(String id) throws Exception {
        return command("docker", "inspect", "-f",
                "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}", id).strip();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String command(String... argv) throws Exception {
        return LiveServers.command(argv);
    }
}
