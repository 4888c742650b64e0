// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.net.TestNamespace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MicroVMs on Hearth's real host networking ({@link HostNetwork}: bridge {@code fc-br0}, a TAP per VM, NAT and
 * isolation rules) inside a network namespace the test makes, so no traffic and no rule touches the host's network.
 *
 * <p><b>Why a child JVM inside the namespace</b> ({@link VmChild} under {@code ip netns exec}) rather than QEMU
 * through a wrapper script: the endpoint is a {@code LoopbackProxy} in the driver's own process, and it must share
 * the bridge's namespace to reach the guest; a JVM inside the namespace also runs {@code HostNetwork} with no
 * namespace prefix and starts the plain {@code qemu-system-x86_64}, exactly the code path of {@code hearth run}
 * on a host. The test's own JVM looks at the namespace from outside ({@code ip netns exec}) and, after the child
 * closed its driver, checks what is left.
 */
@Tag("e2e")
@DisplayName("MicroVM networking on Hearth's host network, inside a test namespace")
class MicroVmNetworkE2eTest {

    private static final Duration BOOT = Duration.ofSeconds(180);
    /** FirewallRules' shared rules per bridge: MASQUERADE and three FORWARD rules, added once and kept. */
    private static final int SHARED_RULES = 4;

    @TempDir
    Path dir;

    @Test
    @DisplayName("a VM answers on its port through its loopback endpoint; a second VM's connections to the host's "
            + "server are refused by the host filter and it cannot reach the first; after close no TAP, VM rule, QEMU "
            + "or file is left")
    void endpointIsolationAndCleanup() throws Exception {
        Path state = dir.resolve("net");
        Path runRoot = dir.resolve("run");
        try (TestNamespace ns = TestNamespace.create()) {
            HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(state).inNamespace(ns.name()));
            try {
                String tapA;
                String tapB;
                try (ChildJvm child = ChildJvm.start(ns.inside(), "serve", state.toString(), runRoot.toString())) {
                    String[] up = child.expect("UP", BOOT);
                    String endpoint = "http://127.0.0.1:" + up[1] + "/";
                    String addressA = up[2];
                    String gateway = up[3];
                    tapA = up[4];
                    tapB = up[5];
                    assertThat(ns.run("ip", "-o", "link", "show", "master", NetworkConfig.DEFAULT_BRIDGE))
                            .contains(tapA).contains(tapB);

                    // another process in the namespace reaches the guest's httpd through the loopback proxy
                    assertThat(fetchInside(ns, endpoint, Duration.ofSeconds(120))).contains("hello-from-vm");

                    Path www = Files.createDirectories(dir.resolve("www"));
                    Files.writeString(www.resolve("index.html"), "gateway-ok\n");
                    Process gw = new ProcessBuilder(ns.inside("busybox", "httpd", "-f", "-p", gateway + ":8081", "-h",
                            www.toString())).start();
                    try {
                        // The guest runs as 65534 without CAP_NET_RAW, so it cannot ping; instead the proof that its
                        // packets reach the host and are refused there (not lost on a dead link) is the counter of
                        // HEARTH-HOST's REJECT rule, which grows with the guest's attempt.
                        long rejectedBefore = hostRejects(ns);
                        // busybox 1.35's `wget -T` crashes (SIGSEGV), so the guest bounds the attempt with timeout
                        String[] toGateway = execInB(child, "timeout 5 wget -q -O - http://" + gateway + ":8081/");
                        assertThat(toGateway[1]).as("the second VM cannot reach the host's server").isNotEqualTo("0");
                        assertThat(decode(toGateway[2])).doesNotContain("gateway-ok");
                        assertThat(hostRejects(ns)).as("HEARTH-HOST refused the second VM's connection")
                                .isGreaterThan(rejectedBefore);
                        assertThat(fetchInside(ns, "http://" + gateway + ":8081/", Duration.ofSeconds(10)))
                                .as("the host's server itself answers (the control)").contains("gateway-ok");
                        String[] toA = execInB(child, "timeout 5 wget -q -O - http://" + addressA + ":"
                                + VmChild.PORT + "/");
                        assertThat(toA[1]).as("the second VM cannot reach the first").isNotEqualTo("0");
                        assertThat(decode(toA[2])).doesNotContain("hello-from-vm");
                    } finally {
                        gw.destroyForcibly();
                    }
                    child.send("close");
                    child.expect("CLOSED", Duration.ofSeconds(60));
                    assertThat(child.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                }
                assertThat(ns.succeeds("ip", "link", "show", tapA)).as("TAP of the first VM").isFalse();
                assertThat(ns.succeeds("ip", "link", "show", tapB)).as("TAP of the second VM").isFalse();
                assertThat(hearthRules(ns)).as("only the bridge's shared rules are left").hasSize(SHARED_RULES);
                assertThat(VmFixture.runningVms()).doesNotContain("net-a", "net-b");
                assertThat(VmFixture.entries(runRoot)).as("run folders").isEmpty();
                assertThat(net.attached()).as("addresses still allocated").isEmpty();
                net.teardown();
                assertThat(hearthRules(ns)).isEmpty();
                assertThat(ns.succeeds("ip", "link", "show", NetworkConfig.DEFAULT_BRIDGE)).isFalse();
            } finally {
                cleanUp(net, runRoot);
            }
        }
    }

    /** After a failure: what a killed child left (QEMU, TAPs, files), then the network. */
    static void cleanUp(HostNetwork net, Path runRoot) throws Exception {
        try (MicroVmDriver reaper = new MicroVmDriver(VmFixture.qemu(), VmFixture.image(), Optional.of(net), runRoot,
                MicroVmSettings.DEFAULTS, InstantSource.system())) {
            reaper.reapOrphans();
        } finally {
            net.teardown();
        }
    }

    /** The iptables rules of Hearth's bridge in the namespace, both tables. */
    static List<String> hearthRules(TestNamespace ns) throws Exception {
        return ns.run("iptables-save").lines().filter(l -> l.contains("hearth:" + NetworkConfig.DEFAULT_BRIDGE))
                .toList();
    }

    /** Packets HEARTH-HOST's final REJECT rule has refused in the namespace. */
    private static long hostRejects(TestNamespace ns) throws Exception {
        return ns.run("iptables", "-w", "10", "-L", "HEARTH-HOST", "-v", "-x", "-n").lines()
                .map(String::strip).filter(l -> l.contains("REJECT") && !l.contains("icmptype"))
                .mapToLong(l -> Long.parseLong(l.split("\\s+")[0])).sum();
    }

    /** Runs {@code script} in the serving child's second VM: {@code EXEC code base64(output)}. */
    private static String[] execInB(ChildJvm child, String script) throws Exception {
        child.send("exec " + VmChild.base64(script));
        return child.expect("EXEC", Duration.ofSeconds(90));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** GETs {@code url} from a new process inside the namespace until it answers or {@code within} passes. */
    private static String fetchInside(TestNamespace ns, String url, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder(ns.inside("timeout", "5", "busybox", "wget", "-q", "-O", "-", url))
                    .redirectErrorStream(true).start();
            last = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return last;
            }
            Thread.sleep(300);
        }
        return "(no answer within " + within + "; last: " + last + ")";
    }
}
