// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.PublishedPort;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A process that runs microVMs on Hearth's real {@link HostNetwork} exactly as {@code hearth run} would (no
 * namespace prefix on its commands, QEMU started directly), for tests that start it inside a network namespace of
 * their own with {@code ip netns exec}. Arguments: mode, network state folder, run root.
 *
 * <ul>
 *   <li>{@code serve}: VM {@code net-a} serves {@code hello-from-vm} with busybox httpd on guest port
 *       {@value #PORT}, published (its endpoint is a loopback proxy), and VM {@code net-b} idles; prints
 *       {@code UP <endpoint port> <address of a> <gateway> <tap a> <tap b>}, then answers {@code exec BASE64}
 *       (a shell script run in {@code net-b}) with {@code EXEC <code> <base64 stdout>}, and {@code close} with
 *       {@code CLOSED} after closing the driver.
 *   <li>{@code orphan}: one networked VM that idles; prints {@code READY <vm id> <tap> <run folder>} once the guest
 *       is up, then waits to be killed.
 *   <li>{@code pool}: a warm pool of one VM (network none; the network state folder is not used); prints
 *       {@code READY <vm id> <run folder>} once the VM waits for a job, then waits to be killed.
 * </ul>
 * Protocol lines start with {@value #TAG}; everything else on stdout is logging.
 */
public final class VmChild {

    /** The prefix of every protocol line. */
    static final String TAG = "@vmchild ";
    /** The port the serving VM listens on in its guest. */
    static final int PORT = 8080;

    private VmChild() {
    }

    public static void main(String[] args) throws Exception {
        HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(Path.of(args[1])));
        MicroVmDriver driver = new MicroVmDriver(VmFixture.qemu(), VmFixture.image(), Optional.of(net),
                Path.of(args[2]), MicroVmSettings.DEFAULTS, InstantSource.system());
        switch (args[0]) {
            case "serve" -> serve(driver, net);
            case "orphan" -> orphan(driver);
            case "pool" -> pool(driver, Path.of(args[2]));
            default -> throw new IllegalArgumentException("mode serve, orphan or pool, got " + args[0]);
        }
    }

    private static void serve(MicroVmDriver driver, HostNetwork net) throws Exception {
        SandboxSpec server = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", "mkdir /tmp/www && "
                + "echo hello-from-vm > /tmp/www/index.html && exec httpd -f -p " + PORT + " -h /tmp/www"))
                .name("net-a").network(NetworkMode.NAT).publish(new PublishedPort(PORT, 0)).build();
        SandboxSpec idle = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sleep", "600"))
                .name("net-b").network(NetworkMode.NAT).build();
        MicroVmSandbox a = driver.create(server);
        MicroVmSandbox b = driver.create(idle);
        a.start(LogSink.discard());
        b.start(LogSink.discard());
        say("UP", a.endpoint(PORT).orElseThrow().getPort(), a.config().nic().orElseThrow().guestAddress(),
                a.config().nic().orElseThrow().gateway(), a.config().nic().orElseThrow().tapName(),
                b.config().nic().orElseThrow().tapName());
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = requests.readLine(); line != null; line = requests.readLine()) {
            if (line.startsWith("exec ")) {
                String script = new String(Base64.getDecoder().decode(line.substring(5)), StandardCharsets.UTF_8);
                ExecResult r = b.exec(List.of("sh", "-c", script), Duration.ofSeconds(60));
                say("EXEC", r.exitCode(), base64(r.stdout() + r.stderr()));
            } else if (line.equals("close")) {
                driver.close();
                say("CLOSED");
                return;
            }
        }
    }

    private static void orphan(MicroVmDriver driver) throws Exception {
        MicroVmSandbox vm = driver.create(SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sleep", "600"))
                .name("orphan-vm").network(NetworkMode.NAT).build());
        vm.start(LogSink.discard());
        if (vm.awaitReady(Duration.ofSeconds(120)).isEmpty()) {
            say("FAILED", "no-ready-frame");
            return;
        }
        say("READY", vm.id(), vm.config().nic().orElseThrow().tapName(), vm.config().runDir());
        Thread.sleep(Duration.ofMinutes(10)); // until the test kills this process
    }

    private static void pool(MicroVmDriver driver, Path runRoot) throws Exception {
        dev.hearth.sandbox.WarmPoolDriver pools = driver.warmPools(new dev.hearth.sandbox.PoolSettings(1,
                Duration.ofMinutes(10)));
        SandboxSpec like = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).build();
        pools.prewarm(like);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (pools.ready(like) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<String> ids = VmFixture.entries(runRoot);
        if (pools.ready(like) == 0 || ids.size() != 1) {
            say("FAILED", "no-warm-vm", ids);
            return;
        }
        say("READY", ids.get(0), runRoot.resolve(ids.get(0)));
        Thread.sleep(Duration.ofMinutes(10)); // until the test kills this process
    }

    static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void say(Object... words) {
        StringBuilder line = new StringBuilder(TAG);
        for (int i = 0; i < words.length; i++) {
            line.append(i == 0 ? "" : " ").append(words[i]);
        }
        System.out.println(line);
        System.out.flush();
    }
}
