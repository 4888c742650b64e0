// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.vm.VmNic;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("HostNetwork, inside a network namespace of the test's own")
class HostNetworkTest {

    @TempDir
    Path state;

    TestNamespace ns;
    HostNetwork net;

    @BeforeEach
    void namespace() throws Exception {
        ns = TestNamespace.create();
        net = HostNetwork.create(NetworkConfig.defaults().withStateDir(state).inNamespace(ns.name()));
    }

    @AfterEach
    void removeNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    @DisplayName("ensure makes the bridge with its address, turns forwarding on, and adds each rule exactly once, "
            + "even when called twice and then from several threads at once")
    void ensureIsIdempotent() throws Exception {
        ns.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=0");

        net.ensure();
        net.ensure();
        inParallel(8, i -> {
            net.ensure();
            return null;
        });

        JsonNode bridge = json(ns.run("ip", "-d", "-j", "addr", "show", "dev", "fc-br0")).get(0);
        assertThat(bridge.path("linkinfo").path("info_kind").asText()).isEqualTo("bridge");
        assertThat(texts(bridge.path("flags"))).contains("UP");
        assertThat(bridge.path("addr_info").findValuesAsText("local")).containsOnlyOnce("172.16.0.1");
        assertThat(ns.run("sysctl", "-n", "net.ipv4.ip_forward").strip()).isEqualTo("1");
        assertThat(hearthRules("nat")).containsExactly(
                "-A POSTROUTING -s 172.16.0.0/24 ! -o fc-br0 -m comment --comment hearth:fc-br0 -j MASQUERADE");
        assertThat(hearthRules("filter")).containsExactlyInAnyOrder(
                "-A FORWARD -i fc-br0 ! -o fc-br0 -m comment --comment hearth:fc-br0 -j ACCEPT",
                "-A FORWARD ! -i fc-br0 -o fc-br0 -m conntrack --ctstate RELATED,ESTABLISHED"
                        + " -m comment --comment hearth:fc-br0 -j ACCEPT",
                "-A FORWARD -i fc-br0 -o fc-br0 -m comment --comment hearth:fc-br0 -j DROP");
    }

    @Test
    @DisplayName("concurrent attaches from many threads get distinct addresses, MACs and TAPs, each an isolated, "
            + "up port of the bridge")
    void concurrentAttachesAreDistinct() throws Exception {
        List<VmNic> nics = inParallel(12, i -> net.attach("vm-" + i));

        assertDistinct(nics, 12);
        for (VmNic nic : nics) {
            JsonNode tap = json(ns.run("ip", "-d", "-j", "link", "show", "dev", nic.tapName())).get(0);
            assertThat(tap.path("master").asText()).isEqualTo("fc-br0");
            assertThat(tap.path("linkinfo").path("info_slave_data").path("isolated").asBoolean()).isTrue();
            assertThat(tap.path("linkinfo").path("info_data").path("type").asText()).isEqualTo("tap");
            assertThat(texts(tap.path("flags"))).contains("UP");
            assertThat(nic.mac()).isEqualTo(String.format("06:fc:00:10:00:%02x",
                    Integer.parseInt(nic.guestAddress().substring("172.16.0.".length()))));
            assertThat(nic.gateway()).isEqualTo("172.16.0.1");
            assertThat(nic.prefixLength()).isEqualTo(24);
        }
        assertThat(net.attached()).containsExactlyInAnyOrderElementsOf(nics);
    }

    @Test
    @DisplayName("attaches from two processes sharing the state folder never collide: the file lock holds across JVMs")
    void twoProcessesNeverCollide() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), AttachChild.class.getName(), state.toString(), ns.name(),
                "child", "10").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("READY");
            try (OutputStream go = child.getOutputStream()) {
                go.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            List<VmNic> mine = inParallel(4, i -> net.attach("parent-" + i));
            mine = new ArrayList<>(mine);
            mine.addAll(inParallel(6, i -> net.attach("parent-" + (i + 4))));
            List<String> childLines = out.lines().filter(l -> l.startsWith("NIC ")).toList();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
            assertThat(childLines).hasSize(10);

            List<VmNic> all = new ArrayList<>(mine);
            for (String line : childLines) {
                String[] w = line.split(" ");
                all.add(new VmNic(w[1], w[2], w[3], 24, "172.16.0.1"));
            }
            assertDistinct(all, 20);
            assertThat(net.attached()).hasSize(20);
            assertThat(ns.run("ip", "-j", "link", "show", "master", "fc-br0")).contains(w(all));
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    @DisplayName("detach deletes the TAP and frees its address, which the next attach gets; a second detach is harmless")
    void detachFreesTheAddress() throws Exception {
        VmNic a = net.attach("vm-a");
        VmNic b = net.attach("vm-b");

        net.detach(a);
        net.detach(a);

        assertThat(ns.attempt("ip", "link", "show", "dev", a.tapName()).ok()).isFalse();
        assertThat(ns.attempt("ip", "link", "show", "dev", b.tapName()).ok()).isTrue();
        VmNic c = net.attach("vm-c");
        assertThat(c.guestAddress()).isEqualTo(a.guestAddress());
        assertThat(c.mac()).isEqualTo(a.mac());
        assertThat(c.tapName()).isNotEqualTo(a.tapName()).startsWith("tvmc-");
        assertThat(net.attached()).containsExactlyInAnyOrder(b, c);
    }

    @Test
    @DisplayName("teardown leaves no TAP, bridge, address or rule behind, and a second teardown is harmless")
    void teardownLeavesNothing() throws Exception {
        String linksBefore = links();
        net.attach("vm-a");
        net.attach("vm-b");

        net.teardown();
        net.teardown();

        assertThat(links()).isEqualTo(linksBefore);
        assertThat(ns.run("ip", "-4", "-o", "addr", "show")).doesNotContain("172.16.0.");
        assertThat(ns.run("iptables-save")).doesNotContain("hearth");
        assertThat(net.attached()).isEmpty();
    }

    @Test
    @DisplayName("a subnet overlapping a route on another interface is refused, naming SUBNET_CIDR and the route, "
            + "before anything is made")
    void overlappingRouteIsRefused() throws Exception {
        ns.run("ip", "link", "add", "other0", "type", "bridge");
        ns.run("ip", "link", "set", "other0", "up");
        ns.run("ip", "route", "add", "172.16.0.0/16", "dev", "other0");

        assertThatThrownBy(() -> net.attach("vm-a")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("SUBNET_CIDR '172.16.0.0/24'").hasMessageContaining("172.16.0.0/16 on dev other0");
        assertThat(ns.attempt("ip", "link", "show", "dev", "fc-br0").ok()).isFalse();
        assertThat(ns.run("iptables-save")).doesNotContain("hearth");
    }

    @Test
    @DisplayName("a BRIDGE_NAME taken by a link that is not a bridge is refused, naming the field")
    void nonBridgeIsRefused() throws Exception {
        ns.run("ip", "link", "add", "fc-br0", "type", "veth", "peer", "name", "fc-peer");

        assertThatThrownBy(() -> net.ensure()).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("BRIDGE_NAME 'fc-br0'").hasMessageContaining("is a veth link");
    }

    @Test
    @DisplayName("an exhausted pool is refused with how many addresses are in use, and no TAP is made")
    void exhaustedPool() throws Exception {
        new AddressBook(state, "fc-br0").update(ledger -> {
            for (int octet = 2; octet <= 253; octet++) {
                ledger.add(new Allocation(octet, "vm" + octet, "tvm" + octet + "-" + octet));
            }
            return null;
        });
        assertThat(net.attach("vm-last").guestAddress()).isEqualTo("172.16.0.254");

        assertThatThrownBy(() -> net.attach("vm-more")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("SUBNET_CIDR").hasMessageContaining("all 253 of its 253 guest addresses are in use");
        assertThat(ns.run("ip", "-o", "link", "show", "type", "tun")).doesNotContain("tvmmore");
    }

    @Test
    @DisplayName("a TAP name already taken fails with the command's story and leaves no allocation behind")
    void takenTapName() throws Exception {
        net.ensure();
        ns.run("ip", "tuntap", "add", "dev", "tvma-2", "mode", "tap");

        assertThatThrownBy(() -> net.attach("vm-a")).isInstanceOf(HostCommandException.class)
                .hasMessageContaining("TAP tvma-2 already exists");
        assertThat(net.attached()).isEmpty();
    }

    @Test
    @DisplayName("a bad VM id is refused before anything is touched")
    void badVmId() {
        assertThatThrownBy(() -> net.attach("Bad Id")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vm id 'Bad Id'").hasMessageContaining("[a-z0-9_-]");
    }

    private String links() throws Exception {
        return ns.run("ip", "-o", "link", "show").lines().map(l -> l.split(":")[1].strip()).sorted().toList().toString();
    }

    private List<String> hearthRules(String table) throws Exception {
        // iptables-nft quotes the comment, iptables-legacy does not: compare without quotes.
        return ns.run("iptables", "-t", table, "-S").lines().filter(l -> l.contains("hearth"))
                .map(l -> l.replace("\"", "")).toList();
    }

    private static String[] w(List<VmNic> nics) {
        return nics.stream().map(n -> "\"" + n.tapName() + "\"").toArray(String[]::new);
    }

    private static void assertDistinct(List<VmNic> nics, int count) {
        assertThat(nics).hasSize(count);
        assertThat(nics.stream().map(VmNic::guestAddress).distinct()).hasSize(count);
        assertThat(nics.stream().map(VmNic::mac).distinct()).hasSize(count);
        assertThat(nics.stream().map(VmNic::tapName).distinct()).hasSize(count);
        assertThat(nics).allSatisfy(n -> {
            assertThat(n.tapName().length()).isLessThanOrEqualTo(15);
            assertThat(n.guestAddress()).startsWith("172.16.0.").isNotIn("172.16.0.0", "172.16.0.1", "172.16.0.255");
        });
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static JsonNode json(String text) throws Exception {
        return Json.mapper().readTree(text);
    }

    interface Indexed<T> {
        T call(int i) throws Exception;
    }

    /** Runs {@code n} calls at once on platform threads and returns their results in index order. */
    static <T> List<T> inParallel(int n, Indexed<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit((Callable<T>) () -> work.call(index)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
