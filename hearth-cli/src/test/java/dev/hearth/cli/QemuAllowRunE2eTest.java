// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.docker.LiveServers;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.net.TestNamespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth run --runtime qemu --network nat --allow ...}, the real command in its own process inside a test
 * namespace ({@link HearthInNamespace}) that also links to a second namespace holding the targets: 198.51.100.2
 * (allowed on 8080, also listening on 8081 and on UDP 53) and 198.51.100.3, reached only by an allowed name the
 * host resolves through a temporary {@code /etc/hosts} line. No packet leaves the test's namespaces.
 */
@Tag("e2e")
@DisplayName("hearth run --runtime qemu --allow: the guest reaches only what is allowed, and nothing is left after")
class QemuAllowRunE2eTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void guestImage() throws Exception {
        VmFixture.image();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    @Test
    @DisplayName("allowed address and name answer; another port, an unresolved address, other names and other DNS "
            + "servers do not; afterwards no pin, chain, redirect, TAP or listener is left")
    void allowlistedVm() throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String name = "hearth-vm-" + tag + ".test";
        String id = "allow-" + UUID.randomUUID();
        TestNamespace ns = TestNamespace.create();
        cleanup.add(ns);
        String pub = "hearth-pub-" + tag;
        LiveServers.command("ip", "netns", "add", pub);
        cleanup.add(() -> LiveServers.command("ip", "netns", "del", pub));
        ns.run("ip", "link", "add", "hpb", "type", "veth", "peer", "name", "eth0", "netns", pub);
        ns.run("ip", "addr", "add", "198.51.100.1/24", "dev", "hpb");
        ns.run("ip", "link", "set", "hpb", "up");
        List<String> inPub = List.of("ip", "netns", "exec", pub);
        for (String[] c : new String[][] {{"ip", "link", "set", "lo", "up"},
                {"ip", "addr", "add", "198.51.100.2/24", "dev", "eth0"},
                {"ip", "addr", "add", "198.51.100.3/24", "dev", "eth0"}, {"ip", "link", "set", "eth0", "up"}}) {
            List<String> argv = new ArrayList<>(inPub);
            argv.addAll(List.of(c));
            LiveServers.command(argv.toArray(String[]::new));
        }
        LiveServers.serve(dir, cleanup, inPub, "198.51.100.2", 8080, "public-ok");
        LiveServers.serve(dir, cleanup, inPub, "198.51.100.2", 8081, "other-port");
        LiveServers.serve(dir, cleanup, inPub, "198.51.100.3", 8080, "named-ok");
        Path udpSeen = dir.resolve("udp-seen");
        List<String> udp = new ArrayList<>(inPub);
        udp.addAll(List.of("python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                + "s.bind(('198.51.100.2',53))\ns.recvfrom(4096)\nopen(sys.argv[1],'w').close()", udpSeen.toString()));
        Process udpListener = new ProcessBuilder(udp).redirectErrorStream(true).start();
        cleanup.add(() -> {
            udpListener.destroy();
            udpListener.waitFor();
        });
        LiveServers.hostsLine(cleanup, "198.51.100.3 " + name);

        String script = String.join("\n",
                "get() { printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $1 $2 | tail -n 1; echo \" <- $1:$2\"; }",
                "get 198.51.100.2 8080", "get 198.51.100.2 8081", "echo \"before $(get 198.51.100.3 8080)\"",
                "ip=$(nslookup " + name + " 172.16.0.1 | awk '/^Address: / {a=$2} END {print a}')",
                "echo \"resolved $ip\"", "get $ip 8080",
                "nslookup not-allowed-" + tag + ".test 198.51.100.2 2>&1 | grep -o REFUSED | head -n 1 "
                        + "| sed 's/^/other /'",
                "echo done");
        HearthInNamespace.Result r = HearthInNamespace.run(ns, Map.of("STATE_ROOT", dir.resolve("state").toString()),
                "run", "--runtime", "qemu", "--network", "nat", "--allow", "198.51.100.2:8080", "--allow",
                name + ":8080", "--job-id", id, "--", "sh", "-c", script);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("public-ok <- 198.51.100.2:8080", "before  <- 198.51.100.3:8080",
                "resolved 198.51.100.3", "named-ok <- 198.51.100.3:8080", "other REFUSED", "done")
                .doesNotContain("other-port");
        assertThat(udpSeen).doesNotExist();

        String rules = ns.run("iptables-save") + ns.run("ebtables-save");
        assertThat(rules).doesNotContain("HV-").doesNotContain("HVN-").doesNotContain("HP-")
                .doesNotContain("172.16.0.2");
        assertThat(rules.lines().filter(l -> l.contains("hearth:fc-br0")).count()).as("only the shared rules")
                .isEqualTo(4);
        assertThat(ns.run("ip", "-o", "link", "show", "master", "fc-br0")).as("TAPs on the bridge").isBlank();
        assertThat(ns.run("ss", "-Hlnu") + ns.run("ss", "-Hlnt")).doesNotContain("172.16.0.1");
    }
}
