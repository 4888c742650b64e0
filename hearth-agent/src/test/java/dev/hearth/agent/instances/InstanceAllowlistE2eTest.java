// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.docker.LiveServers;
import dev.hearth.sandbox.net.TestNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * A Docker instance made with {@code --allow}, on the real engine and the real iptables, against servers made live
 * in a test namespace: 198.51.100.2 (allowed on 8080, also listening on 8081) and 198.51.100.3 (not allowed), and
 * 203.0.113.2 reached only by an allowed name the host resolves through a temporary {@code /etc/hosts} line. The
 * allowlist's DNS is served by the supervisor, so it holds after the create's process is gone, after a stop and
 * start and after the supervisor itself is replaced; stop, destroy and a failed create leave no rule behind. No
 * packet leaves the machine.
 */
@Tag("e2e")
@DisplayName("An instance's egress allowlist holds for its whole life and leaves nothing behind")
class InstanceAllowlistE2eTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private InstanceFixture fx;
    private InstanceSupervisor supervisor;

    @AfterEach
    void tearDown() throws Exception {
        if (fx != null) {
            for (InstanceState s : fx.instances.store().all()) {
                fx.docker.remove(s.guest());
            }
        }
        if (supervisor != null) {
            supervisor.close();
        }
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    @Test
    @DisplayName("allowed address and name answer, another port, server or name do not; after stop nothing is "
            + "fenced open, after start and a new supervisor the allowlist holds again; destroy and a failed create "
            + "leave no rule, chain or DNS listener")
    void allowlistFollowsTheInstance() throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String name = "hearth-inst-" + tag + ".test";
        TestNamespace pub = namespace("ia" + tag, "198.51.100.1/24", "198.51.100.2/24");
        pub.run("ip", "addr", "add", "198.51.100.3/24", "dev", "eth0");
        serve(pub, "198.51.100.2", 8080, "public-ok");
        serve(pub, "198.51.100.2", 8081, "other-port");
        serve(pub, "198.51.100.3", 8080, "other-server");
        TestNamespace named = namespace("in" + tag, "203.0.113.1/24", "203.0.113.2/24");
        serve(named, "203.0.113.2", 8080, "named-ok");
        LiveServers.hostsLine(cleanup, "203.0.113.2 " + name);

        fx = new InstanceFixture(dir.resolve("state"));
        supervisor = fx.supervise();
        String id = InstanceFixture.newId();
        InstanceState made = fx.instances.create(spec(id, "198.51.100.2:8080", name + ":8080"), StepProgress.silent());
        String bridge = bridgeOf(made.guestName());
        assertThat(iptables()).contains("-A DOCKER-USER -i " + bridge + " -j HS-");

        String probe = probe(made, name, tag);
        assertThat(probe).contains("public-ok <- 198.51.100.2:8080", "resolved 203.0.113.2",
                "named-ok <- 203.0.113.2:8080", "other REFUSED").doesNotContain("other-port", "other-server");

        fx.instances.stop(id, StepProgress.silent());
        // the stopped container keeps its network (and Docker's rules for it); Hearth's chains go
        String chain = "HS-" + bridge.substring(3).toUpperCase(java.util.Locale.ROOT);
        InstanceFixture.await("the stopped instance's rules and DNS server go", Duration.ofSeconds(10),
                () -> !iptables().contains(chain) && !dnsListening());

        fx.instances.start(id, StepProgress.silent());
        assertThat(iptables()).contains("-A DOCKER-USER -i " + bridge + " -j HS-");
        InstanceFixture.await("the allowed name resolves after a start", Duration.ofSeconds(20),
                () -> probe(made, name, tag).contains("named-ok <- 203.0.113.2:8080"));

        supervisor.close(); // an agent restart: the rules stay (closed, not open), the next supervisor serves DNS
        supervisor = null;
        assertThat(iptables()).contains("-A DOCKER-USER -i " + bridge + " -j HS-");
        supervisor = fx.supervise();
        InstanceFixture.await("the allowed name resolves under a new supervisor", Duration.ofSeconds(20),
                () -> probe(made, name, tag).contains("named-ok <- 203.0.113.2:8080"));
        assertThat(probe(made, name, tag)).contains("public-ok <- 198.51.100.2:8080", "other REFUSED")
                .doesNotContain("other-port", "other-server");

        fx.instances.destroy(id, StepProgress.silent());
        InstanceFixture.await("the destroyed instance's rules and DNS server go", Duration.ofSeconds(10),
                () -> !iptables().contains(bridge) && !dnsListening());

        String failing = InstanceFixture.newId();
        fx.instances.testing(step -> {
            if (step == CreateStep.PROVISION) {
                throw new IOException("injected failure");
            }
        }, InstanceCreator.Timeouts.DEFAULT);
        assertThatThrownBy(() -> fx.instances.create(spec(failing, name + ":8080"), StepProgress.silent()))
                .hasMessageContaining("injected failure");
        String failedBridge = bridgeOf(fx.docker.guestName(failing));
        InstanceFixture.await("a failed create's rules and DNS server go", Duration.ofSeconds(10),
                () -> !iptables().contains(failedBridge) && !dnsListening());
        assertThat(fx.docker.leftovers(failing)).isEmpty();
    }

    private static InstanceSpec spec(String id, String... allow) {
        return InstanceSpec.builder().id(id).telegramToken("123456:ABC-def").telegramUsers("42").vcpus("1")
                .memoryMib("256").allow(List.of(allow)).build();
    }

    /** What the guest reaches: allowed and other servers by address, the allowed name, another name's answer. */
    private String probe(InstanceState s, String name, String tag) throws Exception {
        String script = String.join("\n",
                "gw=$(ip route | awk '/default/ {print $3}')",
                "get() { printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $1 $2 | tail -n 1; echo \" <- $1:$2\"; }",
                "get 198.51.100.2 8080", "get 198.51.100.2 8081", "get 198.51.100.3 8080",
                "ip=$(nslookup " + name + " | awk '/^Address: / {a=$2} END {print a}')",
                "echo \"resolved $ip\"", "get $ip 8080",
                "nslookup not-allowed-" + tag + ".test $gw 2>&1 | grep -o REFUSED | head -n 1 | sed 's/^/other /'");
        return fx.docker.exec(s.guest(), List.of("sh", "-c", script), Duration.ofSeconds(60)).stdout();
    }

    /** The bridge of a sandbox's own network, as the Docker driver names it. */
    private static String bridgeOf(String sandbox) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(sandbox.getBytes(StandardCharsets.UTF_8));
        return "hs-" + HexFormat.of().formatHex(hash, 0, 6);
    }

    private static String iptables() throws Exception {
        return LiveServers.command("iptables-save");
    }

    /** Whether any process listens on port 53 of a sandbox network's address (10.213.0.0/16). */
    private static boolean dnsListening() throws Exception {
        return (LiveServers.command("ss", "-Hlnu", "sport", "=", ":53")
                + LiveServers.command("ss", "-Hlnt", "sport", "=", ":53")).contains("10.213.");
    }

    private TestNamespace namespace(String link, String hostAddress, String address) throws Exception {
        TestNamespace ns = TestNamespace.create();
        cleanup.add(ns);
        ns.linkToHost(link, hostAddress, address);
        return ns;
    }

    private void serve(TestNamespace ns, String ip, int port, String marker) throws Exception {
        LiveServers.serve(dir, cleanup, ns.inside(), ip, port, marker);
    }
}
