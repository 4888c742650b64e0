package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MicroVMs with a NIC, on a bridge inside a network namespace the test makes (a stand-in for Hearth's host
 * networking): the guest configures its address from the config drive, answers on its guest port at its endpoint,
 * and a second VM cannot reach the first (isolated bridge ports) while it can reach the bridge's address.
 */
@Tag("e2e")
@Disabled("not passing yet: the guest configures eth0 (10.77.0.2/24, default route) and serves on 8080, and its TAP "
        + "is attached and forwarding on the namespace's bridge, but no TCP reaches it from the namespace; to finish "
        + "when hostnet's VmNetwork is integrated (see the report)")
@DisplayName("MicroVM networking inside a test namespace")
class MicroVmNetworkE2eTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a VM answers on its guest port through its endpoint; a second VM cannot reach it; TAPs go at close")
    void endpointAndIsolation() throws Exception {
        String ns = "hvmt-" + Long.toHexString(System.nanoTime() & 0xffffff);
        try (NetnsNetwork net = new NetnsNetwork(ns)) {
            QemuVmm qemu = new QemuVmm(net.qemuWrapper(dir), System.getenv());
            try (MicroVmDriver driver = new MicroVmDriver(qemu, VmFixture.image(), Optional.of(net),
                    dir.resolve("run"), MicroVmSettings.DEFAULTS, InstantSource.system())) {
                SandboxSpec server = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c",
                        "mkdir /tmp/www && echo hello-from-vm > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"))
                        .name("net-a").network(NetworkMode.NAT).build();
                SandboxSpec other = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sleep", "600"))
                        .name("net-b").network(NetworkMode.NAT).build();
                String tapA;
                String tapB;
                try (MicroVmSandbox a = driver.create(server); MicroVmSandbox b = driver.create(other)) {
                    tapA = a.config().nic().orElseThrow().tapName();
                    tapB = b.config().nic().orElseThrow().tapName();
                    a.start(LogSink.discard());
                    b.start(LogSink.discard());
                    InetSocketAddress at = a.endpoint(8080).orElseThrow();
                    assertThat(at.getHostString()).isEqualTo("10.77.0.2");
                    String page = fetchInside(net, "http://" + at.getHostString() + ":" + at.getPort() + "/");
                    assertThat(page).as(() -> diagnose(a, net)).contains("hello-from-vm");

                    // From the second VM: the bridge's own address answers (control), the first VM does not.
                    net.in("sh", "-c", "mkdir -p /tmp/" + ns + " && echo gateway-ok > /tmp/" + ns + "/index.html");
                    Process gw = new ProcessBuilder(net.inside("busybox", "httpd", "-f", "-p",
                            NetnsNetwork.GATEWAY + ":8081", "-h", "/tmp/" + ns)).start();
                    try {
                        ExecResult toGateway = b.exec(List.of("wget", "-q", "-T", "5", "-O", "-",
                                "http://" + NetnsNetwork.GATEWAY + ":8081/"), Duration.ofSeconds(60));
                        assertThat(toGateway.stdout()).as(toGateway.stderr()).contains("gateway-ok");
                        ExecResult toA = b.exec(List.of("wget", "-q", "-T", "5", "-O", "-",
                                "http://10.77.0.2:8080/"), Duration.ofSeconds(60));
                        assertThat(toA.exitCode()).isNotZero();
                        assertThat(toA.stdout()).doesNotContain("hello-from-vm");
                    } finally {
                        gw.destroyForcibly();
                        net.in("rm", "-rf", "/tmp/" + ns);
                    }
                }
                assertThat(net.hasLink(tapA)).as("TAP of the first VM removed").isFalse();
                assertThat(net.hasLink(tapB)).as("TAP of the second VM removed").isFalse();
            }
        }
    }

    private static String diagnose(MicroVmSandbox vm, NetnsNetwork net) {
        try {
            ExecResult r = vm.exec(List.of("sh", "-c", "ip addr; ip route; ps"), Duration.ofSeconds(30));
            Process p = new ProcessBuilder(net.inside("sh", "-c", "ip addr; bridge link")).redirectErrorStream(true)
                    .start();
            return "guest: " + r + " host: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    + " console: " + vm.consoleTail();
        } catch (Exception e) {
            return "diagnosis failed: " + e;
        }
    }

    private static String fetchInside(NetnsNetwork net, String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder(net.inside("busybox", "wget", "-q", "-T", "3", "-O", "-", url))
                    .redirectErrorStream(true).start();
            last = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return last;
            }
            Thread.sleep(300);
        }
        return last;
    }

}
