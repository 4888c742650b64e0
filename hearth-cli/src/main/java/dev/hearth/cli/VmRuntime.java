// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.BuildProgress;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.firecracker.FirecrackerSettings;
import dev.hearth.sandbox.firecracker.FirecrackerVmm;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.microvm.MicroVmSettings;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.Vmm;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sandbox runtimes {@code hearth run --runtime} accepts, and how a microVM runtime's flags become a driver:
 * the guest image (the user's own files, or Hearth's, built and cached on first use), the VMM, VM sizing.
 * Flags are checked by {@link #of} before anything is built or started.
 *
 * @param name docker, qemu or firecracker
 * @param ownImage the user's --base-kernel/--base-rootfs/--base-initrd, when given
 * @param settings --vcpus and --disk-size
 */
record VmRuntime(String name, Optional<GuestImage> ownImage, MicroVmSettings settings) {

    /** Every runtime name, Docker first. */
    static final List<String> NAMES = List.of("docker", "qemu", "firecracker");

    /** Checks the runtime and microVM flags; {@code kernel == null && rootfs == null} means Hearth's own image. */
    static VmRuntime of(String runtime, Path kernel, Path rootfs, Path initrd, Integer vcpus, String diskSize) {
        if (!NAMES.contains(runtime)) {
            throw new InvalidInputException("--runtime", runtime, "docker, qemu or firecracker");
        }
        boolean vmFlags = kernel != null || rootfs != null || initrd != null || vcpus != null || diskSize != null;
        if (runtime.equals("docker") && vmFlags) {
            throw new InvalidInputException("--runtime", runtime,
                    "qemu or firecracker when --base-kernel, --base-rootfs, --base-initrd, --vcpus or --disk-size is given");
        }
        Optional<GuestImage> own = Optional.empty();
        if (kernel != null || rootfs != null || initrd != null) {
            own = Optional.of(GuestImage.ofFiles(kernel, rootfs, Optional.ofNullable(initrd)));
        }
        MicroVmSettings settings = new MicroVmSettings(Optional.ofNullable(vcpus),
                Optional.ofNullable(diskSize).map(d -> ByteSize.parse("--disk-size", d)));
        return new VmRuntime(runtime, own, settings);
    }

    /** Whether this runtime runs Docker containers. */
    boolean docker() {
        return name.equals("docker");
    }

    /** The VMM of this microVM runtime on this host. */
    Vmm vmm(Map<String, String> env) throws EngineUnavailableException, InterruptedException {
        return switch (name) {
            case "qemu" -> {
                QemuVmm q = QemuVmm.fromEnvironment(env);
                q.check();
                yield q;
            }
            case "firecracker" -> {
                // HEARTH_FIRECRACKER (binary), HEARTH_JAILER*; refused here, before anything starts, when the binary
                // is missing or KVM does not run guests (as on hosts that are themselves VMs without nesting)
                FirecrackerVmm f = FirecrackerVmm.create(FirecrackerSettings.fromEnvironment(env));
                Optional<String> why = f.unavailableReason();
                if (why.isPresent()) {
                    throw new EngineUnavailableException("the firecracker runtime cannot run here: " + why.get()
                            + "; use --runtime qemu", null);
                }
                yield f;
            }
            default -> throw new IllegalStateException("not a microVM runtime: " + name);
        };
    }

    /**
     * The host network a microVM job with {@code network} gets: Hearth's bridge, NAT and isolation as BRIDGE_NAME,
     * BRIDGE_ADDR, SUBNET_CIDR, STATE_ROOT and VM_ALLOW_PEERS say (read as the instances read them), for
     * {@code nat}; none, so the VM has no NIC, for {@code none}. Only reads and checks the settings.
     *
     * @throws InvalidInputException naming the variable whose value is malformed (a subnet that is not a /24, a
     *     bridge address outside it, ...)
     */
    static Optional<NetworkConfig> network(NetworkMode network, Map<String, String> env) {
        return network == NetworkMode.NAT ? Optional.of(NetworkConfig.fromEnvironment(env)) : Optional.empty();
    }

    /**
     * A microVM driver: host networking set up when {@code network} is given (after a check that its subnet
     * overlaps no host route, which changes nothing), the guest image resolved (built on first use, with
     * progress), VMs under the default run folder, and the VMs of earlier {@code hearth} processes that died
     * without cleaning up reaped.
     *
     * @throws InvalidInputException when the subnet overlaps a route of this host or BRIDGE_NAME is another kind of
     *     link, before anything is changed
     */
    MicroVmDriver driver(Map<String, String> env, Optional<NetworkConfig> network, BuildProgress progress)
            throws SandboxException, InterruptedException {
        Vmm vmm = vmm(env);
        Optional<VmNetwork> nics = Optional.empty();
        if (network.isPresent()) {
            HostNetwork host = HostNetwork.create(network.get());
            host.ensure(); // the route check comes first, so a bad subnet is refused before the bridge is made
            nics = Optional.of(host);
        }
        GuestImage image = ownImage.isPresent() ? ownImage.get()
                : new GuestImages(ContentCache.fromEnvironment(env)).ensure(progress);
        if (name.equals("firecracker") && image.vmlinux().isPresent()) {
            // Firecracker boots the uncompressed vmlinux; QEMU's microvm the bzImage
            image = new GuestImage(image.vmlinux().get(), image.vmlinux(), image.rootfs(), image.initrd());
        }
        MicroVmDriver driver = new MicroVmDriver(vmm, image, nics, MicroVmDriver.defaultRunRoot(), settings,
                InstantSource.system());
        driver.reapOrphans();
        return driver;
    }
}
