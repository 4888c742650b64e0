// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link FirecrackerVmm} runs Firecracker on this host.
 *
 * @param binary the firecracker executable: a bare name is looked up in PATH at launch, a path is used as it is
 * @param jailer when present, every VM is started through Firecracker's jailer
 * @param startTimeout how long the process may take to open its API socket
 * @param requestTimeout the longest one API exchange may take (a snapshot of a large guest is the slowest)
 */
public record FirecrackerSettings(Path binary, Optional<Jailer> jailer, Duration startTimeout,
        Duration requestTimeout) {

    /** The environment variable naming the firecracker executable. */
    public static final String BINARY_VARIABLE = "HEARTH_FIRECRACKER";
    /** The environment variable naming the jailer executable; its presence turns the jailer on. */
    public static final String JAILER_VARIABLE = "HEARTH_JAILER";

    /**
     * The jailer's settings. The jailer chroots the VMM into {@code <chrootBase>/<exec file name>/<vm id>/root},
     * drops to {@code uid}:{@code gid} and then runs firecracker; Hearth links the VM's files into that folder.
     *
     * @param binary the jailer executable
     * @param uid the user firecracker runs as (not 0)
     * @param gid the group firecracker runs as (not 0)
     * @param chrootBase the jailer's {@code --chroot-base-dir}; read-write drives must be on its file system, since
     *     they are hard-linked (a copy would not carry the guest's writes back)
     */
    public record Jailer(Path binary, int uid, int gid, Path chrootBase) {

        public Jailer {
            Objects.requireNonNull(binary, "binary");
            Objects.requireNonNull(chrootBase, "chrootBase");
            if (uid <= 0) {
                throw new InvalidInputException("jailer uid", Integer.toString(uid), "a user id above 0 (not root)");
            }
            if (gid <= 0) {
                throw new InvalidInputException("jailer gid", Integer.toString(gid), "a group id above 0 (not root)");
            }
            if (!chrootBase.isAbsolute()) {
                throw new InvalidInputException("jailer chroot base", chrootBase.toString(), "an absolute path");
            }
        }
    }

    public FirecrackerSettings {
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(jailer, "jailer");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (jailer.isPresent() && !binary.getFileName().toString().contains("firecracker")) {
            // the jailer refuses an exec file whose name does not contain "firecracker"
            throw new InvalidInputException("firecracker binary", binary.toString(),
                    "a file whose name contains 'firecracker' (the jailer requires it)");
        }
    }

    /** {@code firecracker} from PATH, no jailer, 10 s to open the socket, 60 s per request. */
    public static FirecrackerSettings defaults() {
        return new FirecrackerSettings(Path.of("firecracker"), Optional.empty(), Duration.ofSeconds(10),
                Duration.ofSeconds(60));
    }

    /**
     * The defaults, changed by {@value #BINARY_VARIABLE} (the firecracker executable) and, for the jailer,
     * {@value #JAILER_VARIABLE} with {@code HEARTH_JAILER_UID}, {@code HEARTH_JAILER_GID} and
     * {@code HEARTH_JAILER_CHROOT} (default {@code /srv/jailer}).
     */
    public static FirecrackerSettings fromEnvironment(Map<String, String> env) {
        FirecrackerSettings d = defaults();
        Path binary = Optional.ofNullable(env.get(BINARY_VARIABLE)).filter(s -> !s.isBlank()).map(Path::of)
                .orElse(d.binary());
        Optional<Jailer> jailer = Optional.ofNullable(env.get(JAILER_VARIABLE)).filter(s -> !s.isBlank())
                .map(j -> new Jailer(Path.of(j), id(env, "HEARTH_JAILER_UID"), id(env, "HEARTH_JAILER_GID"),
                        Path.of(env.getOrDefault("HEARTH_JAILER_CHROOT", "/srv/jailer"))));
        return new FirecrackerSettings(binary, jailer, d.startTimeout(), d.requestTimeout());
    }

    private static int id(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || !value.matches("[0-9]{1,9}")) {
            throw new InvalidInputException(name, value, "a numeric id above 0 for the jailed firecracker");
        }
        return Integer.parseInt(value);
    }
}
