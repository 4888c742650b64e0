// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Debian root filesystem as a tar, made by {@code mmdebstrap --variant=essential} with extra packages and
 * customize hooks: the one way Hearth makes Debian-based images (Python, OpenClaw) without a registry. The tar is
 * the reusable artefact: {@code docker import} makes it an image, and a microVM guest image can be made from the
 * same tar ({@code mkfs.ext4 -d} of its unpacked tree).
 */
final class Mmdebstrap {

    static final String SUITE = "bookworm";
    static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
    private static final Duration LIMIT = Duration.ofMinutes(20);

    private Mmdebstrap() {
    }

    /** The Debian mirror: HEARTH_DEBIAN_MIRROR, or deb.debian.org. Part of every content key. */
    static String mirror() {
        return System.getenv().getOrDefault("HEARTH_DEBIAN_MIRROR", DEFAULT_MIRROR);
    }

    /**
     * Bootstraps {@link #SUITE} with {@code packages} into {@code tar}, running each customize hook (a shell
     * command whose {@code $1} is the root folder) at the end.
     *
     * @param what what is being built, for the error message
     */
    static void bootstrap(List<String> packages, List<String> hooks, Path tar, BuildProgress progress, String what)
            throws SandboxException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/mmdebstrap"))) {
            throw new SandboxException("building " + what + " needs mmdebstrap: install it with "
                    + "'sudo apt-get install mmdebstrap' (scripts/setup-host does)");
        }
        List<String> command = new ArrayList<>(List.of("mmdebstrap", "--variant=essential", "--mode=root",
                "--include=" + String.join(",", packages)));
        for (String hook : hooks) {
            command.add("--customize-hook=" + hook);
        }
        command.addAll(List.of(SUITE, tar.toString(), mirror()));
        BuildTool.run(command, List.of(), progress, LIMIT, "mmdebstrap (root filesystem of " + what + ")");
    }

    /** Removes a temporary file or folder tree, ignoring what is already gone. */
    static void deleteTree(Path p) {
        if (p == null || !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // best effort: a temporary file left under /tmp is harmless
                }
            });
        } catch (IOException e) {
            // best effort, as above
        }
    }
}
