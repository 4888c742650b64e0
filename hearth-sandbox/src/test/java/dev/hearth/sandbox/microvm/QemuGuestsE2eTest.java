// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestDriverContract;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.net.TestNamespace;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;

/**
 * The long-lived guest kit on QEMU microVMs: Hearth's job guest root (busybox, {@code hearth-init}) as the guest's
 * {@code --base-rootfs}, Hearth's kernel, each guest's NIC on Hearth's bridge inside a network namespace the test
 * makes. QEMU runs in that namespace through a wrapper ({@code ip netns exec NS qemu-system-x86_64 "$@"}), so it
 * finds the TAP there and nothing touches the host's network; the kit itself needs no network (exec, files, logs and
 * stop go through the serial console's unix socket). Needs the guest image of {@code hearth image build-vm}
 * (cached; built on first use by {@link VmFixture}), root, and QEMU.
 */
@Tag("e2e")
@DisplayName("QemuGuests: long-lived microVMs, by the guest driver kit, under QEMU in a test namespace")
class QemuGuestsE2eTest extends GuestDriverContract {

    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(20);

    private static TestNamespace ns;
    private static HostNetwork network;
    private static Path dir;
    private static QemuGuests guests;

    @BeforeAll
    static void setUp() throws Exception {
        VmFixture.image();
        ns = TestNamespace.create();
        dir = Files.createTempDirectory("hgk-"); // short: QMP and console sockets live in the VM folders
        network = HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net")).inNamespace(ns.name()));
        network.ensure();
        Path qemu = Files.writeString(dir.resolve("qemu-in-ns"), "#!/bin/sh\nexec ip netns exec " + ns.name() + " "
                + QemuVmm.fromEnvironment(System.getenv()).binary() + " \"$@\"\n");
        Files.setPosixFilePermissions(qemu, PosixFilePermissions.fromString("rwx------"));
        guests = new QemuGuests(new QemuVmm(qemu, System.getenv()), network,
                ContentCache.fromEnvironment(System.getenv()), dir.resolve("vm"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (network != null) {
                network.teardown();
            }
        } finally {
            if (ns != null) {
                ns.close();
            }
            if (dir != null) {
                ContentCache.deleteTree(dir);
            }
        }
        assertThat(VmFixture.runningVms()).as("QEMU left running").noneMatch(id -> id.startsWith("kit-"));
    }

    @Override
    protected GuestDriver driver() {
        return guests;
    }

    @Override
    protected GuestHandle handle(String id) {
        return new GuestHandle(id, guests.guestName(id), Optional.of("172.16.0." + NEXT_ADDRESS.getAndIncrement()), 1,
                256, "64M", List.of());
    }

    @Override
    protected String image() {
        return "hearth/openclaw:kit"; // the name the microVM runtimes take; the root is --base-rootfs's
    }

    @Override
    protected InstanceSpec spec(String id) throws Exception {
        return InstanceSpec.builder().id(id).telegramToken("1:kit").runtime("qemu")
                .baseRootfs(VmFixture.image().rootfs().toString()).build();
    }

    @Override
    protected Duration upWithin() {
        return Duration.ofMinutes(3); // TCG on a loaded 2-core machine
    }
}
