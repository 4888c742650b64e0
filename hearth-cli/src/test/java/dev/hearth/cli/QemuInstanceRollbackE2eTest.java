// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static dev.hearth.cli.QemuInstanceE2eTest.await;
import static dev.hearth.cli.QemuInstanceE2eTest.environment;
import static dev.hearth.cli.QemuInstanceE2eTest.log;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.image.OpenClawImage;
import dev.hearth.sandbox.image.OpenClawVmImage;
import dev.hearth.sandbox.net.TestNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A QEMU microVM instance's create interrupted by SIGTERM mid-provisioning, booted from the user's own kernel and
 * guest root: apart from {@link QemuInstanceE2eTest}, whose gateway lifecycle takes most of half an hour under TCG,
 * so this one runs in the VM branch of scripts/test beside it.
 */
@Tag("e2e")
@DisplayName("A microVM instance's create rolled back by SIGTERM, on the user's own kernel and guest root (QEMU)")
class QemuInstanceRollbackE2eTest {

    @BeforeAll
    static void guestRoot() throws Exception {
        QemuInstanceE2eTest.guestRoot();
    }

    @Test
    @DisplayName("a VM booted from --base-kernel and --base-rootfs; SIGTERM to its create mid-provisioning rolls "
            + "everything back: no VM, TAP, folder or state, and the user's files stay")
    void sigtermRollsBack(@TempDir Path dir) throws Exception {
        Map<String, String> env = environment(dir, "123456:sigterm");
        // the user's own kernel and guest root: here copies of Hearth's, elsewhere than the image cache
        ContentCache cache = ContentCache.fromEnvironment(System.getenv());
        Path ownKernel = Files.copy(new GuestImages(cache).ensure(BuildProgress.silent()).kernel(),
                dir.resolve("own-kernel"));
        Path ownRoot = dir.resolve("own-root.ext4");
        new ProcessBuilder("cp", "--sparse=always", OpenClawVmImage.ensure(cache,
                OpenClawImage.DEFAULT_OPENCLAW_VERSION, BuildProgress.silent()).toString(), ownRoot.toString())
                .inheritIO().start().waitFor();
        assertThat(ownRoot).isRegularFile();
        String id = "t" + UUID.randomUUID().toString().substring(0, 6);
        try (TestNamespace ns = TestNamespace.create()) {
            Process supervisor = HearthInNamespace.start(ns, env, dir.resolve("supervisor.log"), "instance",
                    "supervise");
            try {
                await("the supervisor holds the state root", Duration.ofMinutes(1),
                        () -> log(dir).contains("hearth: supervising the instances"));
                Path createLog = dir.resolve("create.log");
                Process create = HearthInNamespace.start(ns, env, createLog, "instance", "create", "--instance", id,
                        "--runtime", "qemu", "--vm-vcpu", "1", "--vm-mem-mib", "1024", "--disk-size", "4G",
                        "--base-kernel", ownKernel.toString(), "--base-rootfs", ownRoot.toString(), "--verbose");
                await("create reached provisioning", Duration.ofMinutes(5),
                        () -> Files.readString(createLog).contains("==> provision"));
                // provisioning begins once the guest booted and answered: it did so on the given kernel
                assertThat(Files.readString(createLog)).contains("guest kernel " + ownKernel + " (--base-kernel)")
                        .contains("guest root " + ownRoot + " (--base-rootfs)");
                assertThat(Files.readAllLines(dir.resolve("vm").resolve(id).resolve("boot.properties")))
                        .contains("kernel=" + ownKernel);
                create.destroy(); // SIGTERM (ip netns exec execs the JVM itself)
                assertThat(create.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("create ended").isTrue();
                assertThat(Files.readString(createLog)).contains("everything it made was removed");
                assertThat(dir.resolve("vm").resolve(id)).doesNotExist();
                assertThat(dir.resolve("state").resolve(id)).doesNotExist();
                assertThat(ownKernel).isRegularFile();
                assertThat(ownRoot).isRegularFile();
                assertThat(ns.run("ip", "-o", "link", "show", "type", "tun")).as("TAPs left").isBlank();
                assertThat(ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
                        .map(a -> String.join(" ", a).contains(dir.resolve("vm").toString())).orElse(false)))
                        .as("a QEMU left running").isFalse();
            } finally {
                supervisor.destroy();
                supervisor.waitFor();
            }
        }
    }
}
