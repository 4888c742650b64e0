// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.host;

import dev.hearth.core.job.Limits;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.firecracker.FirecrackerSettings;
import dev.hearth.sandbox.firecracker.FirecrackerVmm;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.microvm.MicroVmSettings;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.Vmm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How one microVM runtime (qemu or firecracker) of a host becomes a driver: its VMM checked, host networking as the
 * settings say, the guest image (the operator's files, or Hearth's from the image cache), VMs under the default run
 * folder, and the VMs of earlier processes that died without cleaning up reaped. Stateless.
 */
final class MicroVmRuntime {

    private MicroVmRuntime() {
    }

    /** The sizing {@code settings} give every VM. */
    static MicroVmSettings sizing(HostSettings settings) {
        return new MicroVmSettings(settings.vcpus(),
                settings.diskSize().map(d -> ByteSize.parse("--disk-size", d)));
    }

    /** Refuses, naming the flag, limits this host's VM sizing cannot give (more CPUs than --vcpus, ...). */
    static void checkFits(HostSettings settings, Limits limits) {
        MicroVmDriver.size(limits, sizing(settings));
    }

    /** The driver of microVM runtime {@code name}. */
    static MicroVmDriver driver(String name, HostSettings settings, BuildProgress progress)
            throws SandboxException, InterruptedException {
        requireCachedImage(name, settings); // first: a missing image is named even on a host without the VMM
        Vmm vmm = vmm(name, settings);
        Optional<VmNetwork> nics = Optional.empty();
        if (settings.networking() != HostSettings.Networking.NONE) {
            HostNetwork host = HostNetwork.create(NetworkConfig.fromEnvironment(settings.environment()));
            if (settings.networking() == HostSettings.Networking.NOW) {
                host.ensure(); // the route check comes first, so a bad subnet is refused before the bridge is made
            }
            nics = Optional.of(host);
        }
        GuestImage image = image(settings, progress);
        if (name.equals("firecracker") && image.vmlinux().isPresent()) {
            // Firecracker boots the uncompressed vmlinux; QEMU's microvm the bzImage
            image = new GuestImage(image.vmlinux().get(), image.vmlinux(), image.rootfs(), image.initrd());
        }
        MicroVmDriver driver = new MicroVmDriver(vmm, image, nics, MicroVmDriver.defaultRunRoot(), sizing(settings),
                InstantSource.system());
        driver.reapOrphans();
        return driver;
    }

    private static Vmm vmm(String name, HostSettings settings) throws EngineUnavailableException, InterruptedException {
        return switch (name) {
            case "qemu" -> {
                QemuVmm q = QemuVmm.fromEnvironment(settings.environment());
                q.check();
                yield q;
            }
            case "firecracker" -> {
                // HEARTH_FIRECRACKER (binary), HEARTH_JAILER*; refused before anything starts when the binary is
                // missing or KVM does not run guests (as on hosts that are themselves VMs without nesting)
                FirecrackerVmm f = FirecrackerVmm.create(FirecrackerSettings.fromEnvironment(settings.environment()));
                Optional<String> why = f.unavailableReason();
                if (why.isPresent()) {
                    throw new EngineUnavailableException("the firecracker runtime cannot run here: " + why.get()
                            + "; use the qemu runtime", null);
                }
                yield f;
            }
            default -> throw new IllegalStateException("not a microVM runtime: " + name);
        };
    }

    /** The operator's image, else Hearth's from the cache: built on first use, or refused when it must be built. */
    private static GuestImage image(HostSettings settings, BuildProgress progress)
            throws SandboxException, InterruptedException {
        if (settings.kernel().isPresent()) {
            return GuestImage.ofFiles(settings.kernel().get(), settings.rootfs().orElseThrow(), settings.initrd());
        }
        return new GuestImages(ContentCache.fromEnvironment(settings.environment())).ensure(progress);
    }

    /** Refuses, naming what to run, a host that may not build images and has none of Hearth's cached. */
    private static void requireCachedImage(String name, HostSettings settings) throws EngineUnavailableException {
        if (settings.buildImages() || settings.kernel().isPresent()) {
            return;
        }
        Path root = ContentCache.fromEnvironment(settings.environment()).root();
        for (String entry : new String[] {"kernel", "rootfs"}) {
            if (!cached(root, entry)) {
                throw new EngineUnavailableException("the " + name + " runtime has no guest " + entry + " in " + root
                        + " (BASE_IMAGES_DIR): build it first with `hearth image build-vm` (about 12 minutes, once), "
                        + "or give the operator's own with --base-kernel and --base-rootfs", null);
            }
        }
    }

    private static boolean cached(Path root, String entry) {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith(entry + "-") && Files.isDirectory(p));
        } catch (IOException e) {
            return false; // no cache folder: nothing is cached
        }
    }
}
