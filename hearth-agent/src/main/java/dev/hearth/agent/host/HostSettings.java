// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.host;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.docker.ImagePolicy;
import dev.hearth.sandbox.image.GuestImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a host's sandbox runtimes are built from: which runtimes it offers, the environment holding the engine's and
 * the VMM's settings (DOCKER_HOST, HEARTH_ALLOWED_IMAGES, HEARTH_QEMU, HEARTH_FIRECRACKER, BASE_IMAGES_DIR,
 * BRIDGE_NAME, BRIDGE_ADDR, SUBNET_CIDR, STATE_ROOT, ...), a guest image of the operator's own, microVM sizing and
 * how microVMs reach the network. Checked when made: nothing is built or started by a settings record.
 *
 * @param runtimes the runtimes offered, each one of {@link #NAMES}, without repeats, never empty
 * @param environment the variables the engines' and VMMs' settings are read from
 * @param kernel the operator's guest kernel, or empty for Hearth's ({@code hearth image build-vm})
 * @param rootfs the operator's guest root filesystem (ext4 with /sbin/hearth-init), or empty for Hearth's
 * @param initrd an initramfs to boot with, or empty
 * @param vcpus virtual CPUs of every microVM, or empty to follow each job's CPU quota
 * @param diskSize a private root disk of this size ({@code 2g}), or empty for the shared read-only rootfs
 * @param networking how microVMs reach the network
 * @param buildImages whether a missing guest image is built on first use (minutes) rather than refused
 */
public record HostSettings(List<String> runtimes, Map<String, String> environment, Optional<Path> kernel,
        Optional<Path> rootfs, Optional<Path> initrd, Optional<Integer> vcpus, Optional<String> diskSize,
        Networking networking, boolean buildImages) {

    /** The variable naming the images jobs and instances may pull (comma-separated patterns). */
    public static final String ALLOWED_IMAGES = ImagePolicy.ALLOWED_IMAGES;
    /** The variable naming the registries whose credentials go with pulls. */
    public static final String REGISTRY_CREDENTIALS = ImagePolicy.REGISTRY_CREDENTIALS;
    /** The variable holding the deadline of one image pull. */
    public static final String PULL_TIMEOUT = ImagePolicy.PULL_TIMEOUT;

    /** Every runtime a host may offer, Docker first. */
    public static final List<String> NAMES = List.of("docker", "qemu", "firecracker");

    /** How a host's microVMs reach the network. */
    public enum Networking {
        /** No host networking: microVMs run only jobs with network {@code none}. */
        NONE,
        /** Hearth's bridge and NAT, set up when the first VM with network {@code nat} starts. */
        ON_FIRST_USE,
        /** Hearth's bridge and NAT, set up (after the route check) before any VM starts. */
        NOW
    }

    public HostSettings {
        runtimes = List.copyOf(Objects.requireNonNull(runtimes, "runtimes"));
        if (runtimes.isEmpty()) {
            throw new InvalidInputException("runtimes", "", "one or more of " + String.join(", ", NAMES));
        }
        for (String r : runtimes) {
            checkName("runtimes", r);
        }
        if (runtimes.stream().distinct().count() != runtimes.size()) {
            throw new InvalidInputException("runtimes", String.join(",", runtimes), "each runtime named once");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(vcpus, "vcpus");
        Objects.requireNonNull(diskSize, "diskSize");
        Objects.requireNonNull(networking, "networking");
        if (kernel.isPresent() || rootfs.isPresent() || initrd.isPresent()) {
            // the operator's own image: every file there and readable before anything starts
            GuestImage.ofFiles(kernel.orElse(null), rootfs.orElse(null), initrd);
        }
    }

    /** Docker only, with Hearth's defaults: the settings of a host that offers no microVMs. */
    public static HostSettings docker(Map<String, String> environment) {
        return new HostSettings(List.of("docker"), environment, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Networking.NONE, false);
    }

    /**
     * Reads a comma-separated list of runtimes ({@code docker,qemu}) given as {@code field}.
     *
     * @throws InvalidInputException naming {@code field} when a name is not a runtime, or the list is empty
     */
    public static List<String> parseRuntimes(String field, String text) {
        List<String> names = new ArrayList<>();
        for (String part : (text == null ? "" : text).split(",", -1)) {
            String name = part.strip();
            if (!NAMES.contains(name)) {
                throw new InvalidInputException(field, text, "a comma-separated list of runtimes: "
                        + String.join(", ", NAMES) + " (e.g. docker,qemu)");
            }
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /** Whether any offered runtime is a microVM runtime. */
    public boolean microVms() {
        return runtimes.stream().anyMatch(r -> !r.equals("docker"));
    }

    private static void checkName(String field, String name) {
        if (!NAMES.contains(name)) {
            throw new InvalidInputException(field, name, String.join(", ", NAMES));
        }
    }
}
