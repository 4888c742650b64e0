// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.net.TestNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * A NAT job with an egress allowlist, on the real engine and the real iptables, against servers made live in test
 * namespaces: "public" servers at 198.51.100.2 (allowed on 8080, also listening on 8081 and on UDP 53) and
 * 198.51.100.3 (not allowed), a server at 203.0.113.2 reached only by an allowed name the host resolves through a
 * temporary {@code /etc/hosts} line, and a LAN server at 192.168.232.2 allowed by address. No packet leaves the
 * machine: every address the job tries is inside a namespace this test made, or the sandbox's own gateway.
 */
@Tag("e2e")
@DisplayName("An allowlisted NAT sandbox reaches only allowed address:port pairs and resolves only allowed names")
class SandboxAllowlistE2eTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        cleanup.clear();
    }

    @Test
    @DisplayName("allowed address, block and name answer; another port, another server, UDP and other names do "
            + "not; rules, chains, DNS server and network are gone after")
    void allowlistFences() throws Exception {
        DockerDriver driver = DockerFixture.driver();
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String name = "hearth-allow-" + tag + ".test";
        TestNamespace pub = namespace("ha" + tag, "198.51.100.1/24", "198.51.100.2/24");
        pub.run("ip", "addr", "add", "198.51.100.3/24", "dev", "eth0");
        serve(pub.inside(), "198.51.100.2", 8080, "public-ok");
        serve(pub.inside(), "198.51.100.2", 8081, "other-port");
        serve(pub.inside(), "198.51.100.3", 8080, "other-server");
        Path udpSeen = dir.resolve("udp-seen");
        udpListener(pub.inside(), "198.51.100.2", udpSeen);
        TestNamespace named = namespace("hn" + tag, "203.0.113.1/24", "203.0.113.2/24");
        serve(named.inside(), "203.0.113.2", 8080, "named-ok");
        TestNamespace lan = namespace("hl" + tag, "192.168.232.1/24", "192.168.232.2/24");
        serve(lan.inside(), "192.168.232.2", 8080, "lan-ok");
        LiveServers.hostsLine(cleanup, "203.0.113.2 " + name);

        NetworkPolicy policy = NetworkPolicy.parse("network", "nat", "allow",
                List.of("198.51.100.2:8080", "192.168.232.0/24:8080", name + ":8080"));
        String script = String.join("\n",
                "gw=$(ip route | awk '/default/ {print $3}')",
                "get() { printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $1 $2 | tail -n 1; echo \" <- $1:$2\"; }",
                "get 198.51.100.2 8080", "get 198.51.100.2 8081", "get 198.51.100.3 8080",
                "get 192.168.232.2 8080",
                // through the container's configured resolver (the engine's, forwarding to the sandbox's server)
                "ip=$(nslookup " + name + " | awk '/^Address: / {a=$2} END {print a}')",
                "echo \"resolved $ip\"", "get $ip 8080",
                "nslookup not-allowed-" + tag + ".test $gw 2>&1 | grep -o REFUSED | head -n 1 | sed 's/^/other /'",
                // DNS (UDP) straight to a server the allowlist names for TCP only
                "nslookup -timeout=2 " + name + " 198.51.100.2 >/dev/null 2>&1", "echo done");
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script))
                .name("hearth-test-allow-" + tag).network(policy).build();
        String bridge = SandboxNetwork.bridgeOf(spec.name());
        StringBuilder out = new StringBuilder();
        try (Sandbox job = driver.create(spec)) {
            assertThat(command("iptables", "-S")).contains("-A DOCKER-USER -i " + bridge + " -j HS-");
            job.start((stream, bytes, off, len) -> {
                synchronized (out) {
                    out.append(new String(bytes, off, len, StandardCharsets.UTF_8));
                }
            });
            assertThat(job.await(Duration.ofSeconds(90))).isPresent();
        }
        String log;
        synchronized (out) {
            log = out.toString();
        }
        assertThat(log).contains("public-ok <- 198.51.100.2:8080", "lan-ok <- 192.168.232.2:8080",
                        "resolved 203.0.113.2", "named-ok <- 203.0.113.2:8080", "other REFUSED", "done")
                .doesNotContain("other-port", "other-server");
        assertThat(udpSeen).doesNotExist();

        String rules = command("iptables", "-S") + command("iptables", "-t", "nat", "-S");
        assertThat(rules).doesNotContain(bridge).doesNotContain("HS-" + bridge.substring(3).toUpperCase());
        assertThat(command("docker", "network", "ls", "--format", "{{.Name}}"))
                .doesNotContain(SandboxNetwork.nameOf(spec.name()));
        assertThat(command("ss", "-Hlnu", "sport", "=", ":53") + command("ss", "-Hlnt", "sport", "=", ":53"))
                .doesNotContain("10.213.");
    }

    private TestNamespace namespace(String link, String hostAddress, String address) throws Exception {
        TestNamespace ns = TestNamespace.create();
        cleanup.add(ns);
        ns.linkToHost(link, hostAddress, address);
        return ns;
    }

    /** A UDP listener on {@code ip}:53 that creates {@code seen} when any datagram arrives. */
    private void udpListener(List<String> prefix, String ip, Path seen) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                + "s.bind((sys.argv[1],53))\nprint('ready',flush=True)\ns.recvfrom(4096)\nopen(sys.argv[2],'w').close()",
                ip, seen.toString()));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        cleanup.add(() -> {
            p.destroy();
            p.waitFor();
        });
        assertThat(new String(p.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("ready");
    }

    private void serve(List<String> prefix, String ip, int port, String marker) throws Exception {
        LiveServers.serve(dir, cleanup, prefix, ip, port, marker);
    }

    private static String command(String... argv) throws Exception {
        return LiveServers.command(argv);
    }
}
