// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.microvm.MicroVmSettings;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Shared by every module's microVM tests: Hearth's guest image built once per machine through the image cache
 * (BASE_IMAGES_DIR; the kernel takes about 12 minutes on two cores the first time), a QEMU driver on it with a
 * private run folder, and a look at the host for VM processes and run folders left behind.
 */
public final class VmFixture {

    private static GuestImage image;

    private VmFixture() {
    }

    /** The guest image, built on first use (progress on stderr, since the kernel build is long). */
    public static synchronized GuestImage image() throws Exception {
        if (image == null) {
            image = new GuestImages(ContentCache.fromEnvironment(System.getenv())).ensure(new BuildProgress() {
                @Override
                public void step(String name) {
                    System.err.println("[guest image] " + name);
                }

                @Override
                public void done(String summary) {
                    System.err.println("[guest image] " + summary);
                }
            });
        }
        return image;
    }

    /** A QEMU VMM with the host's binary and this process's environment. */
    public static QemuVmm qemu() {
        return QemuVmm.fromEnvironment(System.getenv());
    }

    /** A new QEMU microVM driver on the guest image with its own run folder, no host networking. */
    public static MicroVmDriver qemuDriver(Path runRoot) throws Exception {
        return new MicroVmDriver(qemu(), image(), Optional.empty(), runRoot, MicroVmSettings.DEFAULTS,
                InstantSource.system());
    }

    /** Ids of the Hearth VMs whose VMM process still runs on this host ({@code -name hearth-ID} in /proc). */
    public static List<String> runningVms() throws IOException {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                String[] argv;
                try {
                    argv = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
                } catch (IOException gone) {
                    continue;
                }
                for (int i = 0; i + 1 < argv.length; i++) {
                    if (argv[i].equals("-name") && argv[i + 1].startsWith("hearth-")) {
                        ids.add(argv[i + 1].substring("hearth-".length()));
                    }
                }
            }
        }
        return ids;
    }

    /** Names of the entries in {@code dir}, or none when it does not exist. */
    public static List<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
