// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.EgressAllow;
import dev.hearth.sandbox.vm.VmNic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A microVM guest's egress allowlist on Hearth's shared bridge, with stand-in guests (namespaces on the bridge, as
 * in {@link BridgeEgressTest}) inside a test namespace that also holds the targets: 198.51.100.2 (allowed on 8080,
 * also listening on 8081 and UDP 53) and 198.51.100.3 (not allowed, listening on 8080 and UDP 9999), each a real
 * server in a namespace of its own, and a stand-in for the owner's DNS server on the bridge address. No packet
 * leaves the test namespace.
 */
@DisplayName("A guest's allowlist on the shared bridge: only allowed TCP leaves, DNS goes to its owner, no spoofing")
class GuestFenceTest {

    private static final String GATEWAY = "172.16.0.1";
    private static final int DNS_PORT = 5353;

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
    @DisplayName("the fenced guest reaches 198.51.100.2:8080 only, its DNS to the bridge reaches its owner's port and "
            + "DNS elsewhere nothing; claiming an unfenced guest's address gets no packet out; close leaves no rule")
    void guestIsFencedAndPinned() throws Exception {
        HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net"))
                .inNamespace(ns.name()));
        net.ensure();
        String fenced = guest("hga", 10);
        String open = guest("hgb", 11);
        String pub = ns.guest("hpb", "198.51.100.2", "198.51.100.1");
        ns.run("ip", "addr", "add", "198.51.100.1/24", "dev", "hpb");
        ns.run("ip", "link", "set", "hpb", "up");
        ns.inGuest(pub, "ip", "addr", "add", "198.51.100.3/24", "dev", "eth0");
        serve(List.of("ip", "netns", "exec", pub), "198.51.100.2", 8080, "public-ok");
        serve(List.of("ip", "netns", "exec", pub), "198.51.100.2", 8081, "other-port");
        serve(List.of("ip", "netns", "exec", pub), "198.51.100.3", 8080, "other-server");
        Path outsideDns = udpRecorder(List.of("ip", "netns", "exec", pub), "198.51.100.2", 53);
        Path spoofed = udpRecorder(List.of("ip", "netns", "exec", pub), "198.51.100.3", 9999);
        Path ownerDns = udpRecorder(ns.inside(), GATEWAY, DNS_PORT);

        VmNic nic = new VmNic("hga", Allocation.mac(10), "172.16.0.10", 24, GATEWAY);
        GuestFence fence = GuestFence.install(net, nic, List.of(EgressAllow.parse("allow", "198.51.100.2:8080")),
                DNS_PORT);

        assertThat(fetchWithin(fenced, "198.51.100.2:8080", Duration.ofSeconds(10))).contains("public-ok");
        assertThat(fetch(fenced, "198.51.100.2:8081")).doesNotContain("other-port");
        assertThat(fetch(fenced, "198.51.100.3:8080")).doesNotContain("other-server");
        assertThat(fetchWithin(open, "198.51.100.3:8080", Duration.ofSeconds(10))).contains("other-server");

        send(fenced, GATEWAY, 53);
        send(fenced, "198.51.100.2", 53);
        awaitFile(ownerDns);
        assertThat(Files.readString(ownerDns)).contains("172.16.0.10");
        assertThat(outsideDns).doesNotExist();

        // the fenced guest takes the unfenced guest's address: its packets must not get out under it
        ns.inGuest(fenced, "ip", "addr", "flush", "dev", "eth0");
        ns.inGuest(fenced, "ip", "addr", "add", "172.16.0.11/24", "dev", "eth0");
        ns.inGuest(fenced, "ip", "route", "add", "default", "via", GATEWAY);
        send(fenced, "198.51.100.3", 9999);
        Thread.sleep(1000);
        assertThat(spoofed).doesNotExist();
        // the control: without the pin the same datagram gets out, so the check above can fail
        ns.run("ebtables", "-D", "INPUT", "-i", "hga", "-j", "HP-HGA");
        send(fenced, "198.51.100.3", 9999);
        awaitFile(spoofed);

        fence.close();
        String rules = ns.run("iptables-save") + ns.run("ebtables-save");
        assertThat(rules).doesNotContain("HGA").doesNotContain("172.16.0.10").doesNotContain(":" + DNS_PORT);
        net.teardown();
    }

    /** A stand-in guest on the bridge at 172.16.0.{@code octet} with the MAC Hearth gives that address. */
    private String guest(String port, int octet) throws Exception {
        String g = ns.guest(port, "172.16.0." + octet, GATEWAY);
        ns.inGuest(g, "ip", "link", "set", "eth0", "address", Allocation.mac(octet));
        HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net")).inNamespace(ns.name()))
                .joinBridge(port);
        return g;
    }

    private void serve(List<String> prefix, String ip, int port, String marker) throws Exception {
        ns.keep(GuestProbes.serve(dir, prefix, ip, port, marker));
    }

    /** A UDP listener on {@code ip}:{@code port} that writes the first datagram's source address to the file. */
    private Path udpRecorder(List<String> prefix, String ip, int port) throws Exception {
        Path seen = dir.resolve("udp-" + ip + "-" + port);
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                + "s.bind((sys.argv[1],int(sys.argv[2])))\nprint('ready',flush=True)\nd,a=s.recvfrom(4096)\n"
                + "open(sys.argv[3],'w').write(a[0])", ip, Integer.toString(port), seen.toString()));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        ns.keep(p);
        assertThat(new String(p.getInputStream().readNBytes(5))).isEqualTo("ready");
        return seen;
    }

    /** One UDP datagram from {@code guest} to {@code ip}:{@code port}. */
    private void send(String guest, String ip, int port) throws Exception {
        ns.inGuest(guest, "python3", "-c", "import socket,sys\nsocket.socket(socket.AF_INET,socket.SOCK_DGRAM)"
                + ".sendto(b'probe',(sys.argv[1],int(sys.argv[2])))", ip, Integer.toString(port));
    }

    private static void awaitFile(Path file) throws Exception {
        Instant end = Instant.now().plusSeconds(10);
        while (!Files.exists(file) && Instant.now().isBefore(end)) {
            Thread.sleep(100);
        }
        assertThat(file).exists();
    }

    private String fetch(String guest, String target) throws Exception {
        return GuestProbes.fetch(ns, guest, target);
    }

    private String fetchWithin(String guest, String target, Duration deadline) throws Exception {
        return GuestProbes.fetchWithin(ns, guest, target, deadline);
    }
}
