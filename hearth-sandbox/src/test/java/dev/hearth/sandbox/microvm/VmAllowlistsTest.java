// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.job.EgressAllow;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.net.TestNamespace;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmNic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules a microVM instance's allowlist writes on Hearth's shared bridge, on the real bridge code inside a test
 * namespace: a stand-in guest (a namespace on the bridge with the instance's address and MAC) and a second namespace
 * holding the target 198.51.100.2 (allowed on 8080, also listening on 8081 and UDP 53), and a stand-in for the
 * supervisor's DNS server on the port the state root's port file names. No VM boots: start runs a stand-in VMM that
 * fails to launch, after the rules are written (QemuInstanceAllowE2eTest boots one); no packet leaves the test's
 * namespaces.
 */
@DisplayName("A microVM instance's allowlist: written at start with the supervisor's DNS port, removed at stop and "
        + "destroy, nothing without --allow")
class VmAllowlistsTest {

    private static final String GATEWAY = "172.16.0.1";

    @TempDir
    Path dir;

    private TestNamespace ns;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();

    @BeforeEach
    void namespace() throws Exception {
        ns = TestNamespace.create();
    }

    @AfterEach
    void removeNamespaces() throws Exception {
        for (Process p : servers) {
            p.destroy();
            p.waitFor();
        }
        for (String n : namespaces) {
            command("ip", "netns", "del", n);
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    @DisplayName("start's rules let the guest reach 198.51.100.2:8080 only and send its DNS to the supervisor's port; "
            + "written again they do not pile up; stop and destroy remove them; no --allow writes nothing")
    void rulesFollowTheVm() throws Exception {
        HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net"))
                .inNamespace(ns.name()));
        net.ensure();
        Path vmRoot = dir.resolve("vm");
        // a stand-in VMM that fails to launch: start writes the rules before it launches anything
        QemuGuests guests = new QemuGuests(new QemuVmm(Path.of("/bin/false"), Map.of()), net,
                new ContentCache(dir.resolve("img")), vmRoot);
        VmAllowlists allowlists = new VmAllowlists(net, vmRoot);
        GuestHandle state = state("fenced", List.of("198.51.100.2:8080"));
        VmNic tap = net.attachAt(state.id(), "172.16.0.10");

        // a stand-in guest with the instance's address and MAC on a port of its own ("hga") on the bridge
        VmNic standIn = new VmNic("hga", tap.mac(), tap.guestAddress(), tap.prefixLength(), tap.gateway());
        String guest = ns.name() + "-g";
        namespaces.add(guest);
        command("ip", "netns", "add", guest);
        ns.run("ip", "link", "add", "hga", "type", "veth", "peer", "name", "eth0", "netns", guest);
        ns.run("ip", "link", "set", "dev", "hga", "master", net.config().bridgeName());
        ns.run("ip", "link", "set", "dev", "hga", "up");
        in(guest, "ip", "link", "set", "lo", "up");
        in(guest, "ip", "link", "set", "eth0", "address", tap.mac());
        in(guest, "ip", "addr", "add", tap.guestAddress() + "/24", "dev", "eth0");
        in(guest, "ip", "link", "set", "eth0", "up");
        in(guest, "ip", "route", "add", "default", "via", GATEWAY);
        String pub = ns.name() + "-p";
        namespaces.add(pub);
        command("ip", "netns", "add", pub);
        ns.run("ip", "link", "add", "hpb", "type", "veth", "peer", "name", "eth0", "netns", pub);
        ns.run("ip", "addr", "add", "198.51.100.1/24", "dev", "hpb");
        ns.run("ip", "link", "set", "hpb", "up");
        in(pub, "ip", "link", "set", "lo", "up");
        in(pub, "ip", "addr", "add", "198.51.100.2/24", "dev", "eth0");
        in(pub, "ip", "link", "set", "eth0", "up");
        in(pub, "ip", "route", "add", "default", "via", "198.51.100.1");
        serve(pub, 8080, "public-ok");
        serve(pub, 8081, "other-port");
        Path outsideDns = udpRecorder(pub, "198.51.100.2", 53);

        allowlists.fence(state, standIn);
        int port = Integer.parseInt(Files.readString(vmRoot.resolve(VmAllowlists.PORT_FILE)).strip());
        Path ownerDns = udpRecorder(ns.name(), GATEWAY, port);
        assertThat(fetchWithin(guest, "198.51.100.2 8080")).contains("public-ok");
        assertThat(fetch(guest, "198.51.100.2 8081")).doesNotContain("other-port");
        send(guest, "198.51.100.2", 53);
        awaitFile(ownerDns);
        assertThat(Files.readString(ownerDns)).isEqualTo(tap.guestAddress());
        assertThat(outsideDns).doesNotExist();

        // the real TAP's rules as start writes them, twice (a restart): one jump each, the same port
        Path folder = Files.createDirectories(vmRoot.resolve(state.id()));
        Files.writeString(folder.resolve(MicroVmGuests.DISK), "stand-in disk");
        Files.writeString(folder.resolve(ConfigDrive.FILE), "stand-in config drive");
        Path kernel = Files.writeString(dir.resolve("stand-in-kernel"), "stand-in kernel");
        Files.writeString(folder.resolve("boot.properties"), "kernel=" + kernel + "\n");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> guests.start(state)).isInstanceOf(SandboxException.class);
        }
        String id = tap.tapName().toUpperCase(java.util.Locale.ROOT);
        String rules = rules();
        assertThat(rules.lines().filter(l -> l.equals("-A DOCKER-USER -s 172.16.0.10/32 -i "
                + net.config().bridgeName() + " -j HV-" + id)).count()).isEqualTo(1);
        assertThat(rules.lines().filter(l -> l.contains("-j HP-" + id)).count()).isEqualTo(2);
        assertThat(rules).contains("--to-destination " + GATEWAY + ":" + port);
        guests.stop(state, Duration.ofSeconds(1)); // no VM runs: stop still removes the rules
        assertThat(rules()).doesNotContain(id);

        allowlists.fence(state, tap);
        assertThat(rules()).contains("HV-" + id);
        guests.remove(state);
        assertThat(rules()).doesNotContain(id);
        assertThat(ns.run("ip", "-o", "link", "show", "type", "tun")).as("TAP left").isBlank();

        allowlists.unfence(standIn);
        assertThat(rules()).doesNotContain("HGA").doesNotContain(tap.guestAddress());

        // an instance without --allow: nothing written, no port chosen
        Path otherRoot = dir.resolve("vm-open");
        GuestHandle open = state("open", List.of());
        VmNic openNic = net.attachAt(open.id(), "172.16.0.11");
        new VmAllowlists(net, otherRoot).fence(open, openNic);
        assertThat(otherRoot.resolve(VmAllowlists.PORT_FILE)).doesNotExist();
        assertThat(rules()).doesNotContain(openNic.tapName().toUpperCase(java.util.Locale.ROOT))
                .doesNotContain("172.16.0.11");
        net.detach(openNic);
        net.teardown();
    }

    private String rules() throws Exception {
        return ns.run("iptables-save") + ns.run("ebtables-save");
    }

    private static GuestHandle state(String id, List<String> allow) {
        return new GuestHandle(id, "hearth-" + id, Optional.of("172.16.0.10"), 1, 1024, "4G",
                allow.stream().map(a -> EgressAllow.parse("allow", a)).toList());
    }

    private void serve(String namespace, int port, String marker) throws Exception {
        Path root = Files.createDirectories(dir.resolve(marker));
        Files.writeString(root.resolve("id"), marker);
        servers.add(new ProcessBuilder("ip", "netns", "exec", namespace, "busybox", "httpd", "-f", "-p",
                "198.51.100.2:" + port, "-h", root.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(marker + ".log").toFile()).start());
    }

    /** A UDP listener in {@code namespace} that writes the first datagram's source address to the file. */
    private Path udpRecorder(String namespace, String ip, int port) throws Exception {
        Path seen = dir.resolve("udp-" + ip + "-" + port);
        Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "python3", "-c",
                "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                        + "s.bind((sys.argv[1],int(sys.argv[2])))\nprint('ready',flush=True)\nd,a=s.recvfrom(4096)\n"
                        + "open(sys.argv[3],'w').write(a[0])", ip, Integer.toString(port), seen.toString())
                .redirectErrorStream(true).start();
        servers.add(p);
        assertThat(new String(p.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("ready");
        return seen;
    }

    private void send(String guest, String ip, int port) throws Exception {
        in(guest, "python3", "-c", "import socket,sys\nsocket.socket(socket.AF_INET,socket.SOCK_DGRAM)"
                + ".sendto(b'probe',(sys.argv[1],int(sys.argv[2])))", ip, Integer.toString(port));
    }

    private String fetch(String guest, String target) throws Exception {
        return in(guest, "sh", "-c", "printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 " + target);
    }

    private String fetchWithin(String guest, String target) throws Exception {
        Instant end = Instant.now().plusSeconds(10);
        String last = "";
        while (Instant.now().isBefore(end)) {
            last = fetch(guest, target);
            if (last.contains("200 OK")) {
                return last;
            }
            Thread.sleep(200);
        }
        return last;
    }

    private static void awaitFile(Path file) throws Exception {
        Instant end = Instant.now().plusSeconds(10);
        while (!Files.exists(file) && Instant.now().isBefore(end)) {
            Thread.sleep(100);
        }
        assertThat(file).exists();
    }

    /** Runs {@code argv} in namespace {@code namespace}, whatever its exit status; its stdout. */
    private static String in(String namespace, String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        command.addAll(List.of(argv));
        return command(command.toArray(String[]::new));
    }

    private static String command(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
