// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.OpenClawImage;
import dev.hearth.sandbox.image.OpenClawVmImage;
import dev.hearth.sandbox.net.TestNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth instance create --runtime qemu --allow ...}: a real OpenClaw microVM booted under QEMU by the real
 * commands, the supervisor, bridge and TAP inside a test namespace. Provisioning OpenClaw under TCG takes minutes, so
 * the test looks while create provisions (the guest booted and answered): the guest's pin, chains and DNS redirect
 * are in place, pointing at the port the supervisor serves; then create is interrupted, and its rollback leaves no
 * rule and no listener. The traffic those rules let through is proven by {@code VmAllowlistsTest} (stand-in guest)
 * and {@code QemuAllowRunE2eTest} (a job's VM, same fence code). No packet leaves the test's namespace.
 */
@Tag("e2e")
@DisplayName("A microVM instance with --allow: fenced from its first boot, DNS redirected to the supervisor, nothing "
        + "left by a failed create")
class QemuInstanceAllowE2eTest {

    @BeforeAll
    static void guestRoot() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")), "qemu-system-x86_64 is not installed");
        OpenClawVmImage.ensure(ContentCache.fromEnvironment(System.getenv()), OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                BuildProgress.silent());
    }

    @Test
    @DisplayName("the booted guest's TAP is pinned and fenced, its DNS redirected to the supervisor's listener; a "
            + "create interrupted while provisioning removes rules, listener, VM and TAP")
    void fencedFromFirstBoot(@TempDir Path dir) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        env.put("STATE_ROOT", dir.resolve("state").toString());
        env.put("FC_ROOT", dir.resolve("vm").toString());
        env.put("BASE_PORT", "48970");
        env.put("TELEGRAM_BOT_TOKEN", "123456:allow-" + UUID.randomUUID());
        String id = "a" + UUID.randomUUID().toString().substring(0, 6);
        try (TestNamespace ns = TestNamespace.create()) {
            Process supervisor = HearthInNamespace.start(ns, env, dir.resolve("supervisor.log"), "instance",
                    "supervise");
            diagnostics = () -> "supervisor: " + read(dir.resolve("supervisor.log")) + "\ncreate: "
                    + read(dir.resolve("create.log"));
            try {
                await("the supervisor holds the state root", Duration.ofMinutes(1),
                        () -> read(dir.resolve("supervisor.log")).contains("hearth: supervising the instances"));
                Path createLog = dir.resolve("create.log");
                Process create = HearthInNamespace.start(ns, env, createLog, "instance", "create", "--instance", id,
                        "--runtime", "qemu", "--vm-vcpu", "1", "--vm-mem-mib", "1024", "--disk-size", "4G",
                        "--allow", "198.51.100.2:8080", "--allow", "hearth-allow.test:443", "--verbose");
                await("create reached provisioning (the guest booted)", Duration.ofMinutes(10),
                        () -> read(createLog).contains("==> provision"));
                int port = Integer.parseInt(Files.readString(dir.resolve("vm/allowlist-dns.port")).strip());
                await("the supervisor serves the guest's DNS on the bridge", Duration.ofMinutes(1),
                        () -> listens(ns, "-Hlnu", port) && listens(ns, "-Hlnt", port));
                // The supervisor rewrites the guest's redirect with its own port once it serves the guest: when the
                // port create chose was taken by the time the supervisor bound it, that happens just after it
                // listens (VmAllowlists), so the redirect is awaited rather than read once.
                await("the guest's DNS redirected to the supervisor's port", Duration.ofMinutes(1),
                        () -> ns.run("iptables-save").contains("--to-destination 172.16.0.1:" + port));
                String rules = ns.run("iptables-save") + ns.run("ebtables-save");
                assertThat(rules).contains("-j HP-T").contains("-j HVN-T")
                        .contains("--to-destination 172.16.0.1:" + port)
                        .contains("-d 198.51.100.2/32 -p tcp -m tcp --dport 8080 -j MARK");
                assertThat(rules.lines().filter(l -> l.startsWith("-A DOCKER-USER") && l.contains("-j HV-T")))
                        .hasSize(1);

                create.destroy(); // SIGTERM: create rolls back everything it made
                assertThat(create.waitFor(90, TimeUnit.SECONDS)).as("create ended").isTrue();
                assertThat(read(createLog)).contains("everything it made was removed");
                String after = ns.run("iptables-save") + ns.run("ebtables-save");
                assertThat(after).doesNotContain("HP-").doesNotContain("HV-").doesNotContain("HVN-")
                        .doesNotContain("HVI-");
                await("the supervisor closed the listener", Duration.ofMinutes(1),
                        () -> !(ns.run("ss", "-Hlnu") + ns.run("ss", "-Hlnt")).contains("172.16.0.1"));
                assertThat(ns.run("ip", "-o", "link", "show", "type", "tun")).as("TAPs left").isBlank();
                assertThat(dir.resolve("vm").resolve(id)).doesNotExist();
            } finally {
                HearthInNamespace.run(ns, env, "instance", "destroy", id, "--force");
                supervisor.destroy();
                supervisor.waitFor();
            }
        }
    }

    /** Whether a socket of kind {@code flags} listens on the bridge address's {@code port} (the JVM's are v4-mapped). */
    private static boolean listens(TestNamespace ns, String flags, int port) throws Exception {
        return ns.run("ss", flags).lines().anyMatch(l -> l.contains("172.16.0.1]:" + port + " ")
                || l.contains("172.16.0.1:" + port + " "));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** What the supervisor and the instance logged, for a failure's message. */
    private static java.util.function.Supplier<String> diagnostics = () -> "";

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Duration limit, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what + "\n" + diagnostics.get());
            }
            Thread.sleep(1000);
        }
    }
}
