// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Egress from Hearth's microVM bridge, with stand-in guests (namespaces on the bridge, as in {@link IsolationTest})
 * inside a test namespace that also plays Docker's part (its {@code DOCKER-USER} and isolation jumps) and holds
 * the targets: 169.254.169.254 and a LAN server at 192.168.231.2 in namespaces of their own, each with a real HTTP
 * server, the host's own addresses, and a server at a public address (198.51.100.2) that must stay reachable.
 */
@DisplayName("Guests on Hearth's bridge pass the egress filter, behind Docker's chains")
class BridgeEgressTest {

    @TempDir
    Path dir;

    TestNamespace ns;

    @BeforeEach
    void namespace() throws Exception {
        ns = TestNamespace.create();
    }

    @AfterEach
    void removeNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    @DisplayName("a guest reaches a public server but not 169.254.169.254, the LAN or the host; Hearth's ACCEPTs sit "
            + "behind Docker's jumps; teardown leaves no jump")
    void guestIsFenced() throws Exception {
        // What Docker makes in FORWARD, and a rule an older Hearth inserted at the top, ahead of it.
        ns.run("iptables", "-N", "DOCKER-USER");
        ns.run("iptables", "-N", "DOCKER-ISOLATION-STAGE-1");
        ns.run("iptables", "-A", "FORWARD", "-j", "DOCKER-USER");
        ns.run("iptables", "-A", "FORWARD", "-j", "DOCKER-ISOLATION-STAGE-1");
        ns.run("iptables", "-I", "FORWARD", "1", "-i", "fc-br0", "!", "-o", "fc-br0", "-m", "comment", "--comment",
                "hearth:fc-br0", "-j", "ACCEPT");
        HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net"))
                .inNamespace(ns.name()));
        net.ensure();
        String guest = ns.guest("hva", "172.16.0.10", "172.16.0.1");
        net.joinBridge("hva");
        target("hmd", "169.254.169.254", "169.254.169.1", 80, "meta-secret");
        target("hln", "192.168.231.2", "192.168.231.1", 8080, "lan-secret");
        target("hpb", "198.51.100.2", "198.51.100.1", 8080, "public-ok");
        serve(ns.inside(), "0.0.0.0", 8081, "host-secret");

        List<String> forward = ns.run("iptables", "-S", "FORWARD").lines().toList();
        int dockerUser = forward.indexOf("-A FORWARD -j DOCKER-USER");
        assertThat(forward.stream().filter(l -> l.contains("hearth:fc-br0")).mapToInt(forward::indexOf))
                .isNotEmpty().allMatch(i -> i > dockerUser + 1);

        assertThat(fetchWithin(guest, "198.51.100.2:8080", Duration.ofSeconds(10))).contains("public-ok");
        assertThat(fetch(guest, "169.254.169.254:80")).doesNotContain("meta-secret");
        assertThat(fetch(guest, "192.168.231.2:8080")).doesNotContain("lan-secret");
        assertThat(fetch(guest, "172.16.0.1:8081")).doesNotContain("host-secret");
        assertThat(fetch(guest, "198.51.100.1:8081")).doesNotContain("host-secret");

        // The control: without the jump into the filter the same request gets through, so the above can fail.
        ns.run("iptables", "-D", "DOCKER-USER", "-i", "fc-br0", "!", "-o", "fc-br0", "-j", EgressFilter.SANDBOX_CHAIN);
        assertThat(fetchWithin(guest, "169.254.169.254:80", Duration.ofSeconds(10))).contains("meta-secret");
        ns.run("iptables", "-D", "INPUT", "-i", "fc-br0", "-j", EgressFilter.HOST_CHAIN);
        assertThat(fetchWithin(guest, "172.16.0.1:8081", Duration.ofSeconds(10))).contains("host-secret");

        net.teardown();
        assertThat(ns.run("iptables-save")).doesNotContain("fc-br0");
    }

    /** A namespace at {@code address} joined to the test namespace (at {@code gateway}), serving {@code marker}. */
    private void target(String port, String address, String gateway, int listen, String marker) throws Exception {
        String g = ns.guest(port, address, gateway);
        ns.run("ip", "addr", "add", gateway + "/24", "dev", port);
        ns.run("ip", "link", "set", port, "up");
        serve(List.of("ip", "netns", "exec", g), address, listen, marker);
    }

    private void serve(List<String> prefix, String ip, int port, String marker) throws Exception {
        ns.keep(GuestProbes.serve(dir, prefix, ip, port, marker));
    }

    private String fetch(String guest, String target) throws Exception {
        return GuestProbes.fetch(ns, guest, target);
    }

    private String fetchWithin(String guest, String target, Duration deadline) throws Exception {
        return GuestProbes.fetchWithin(ns, guest, target, deadline);
    }
}
