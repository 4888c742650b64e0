// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import dev.hearth.sandbox.ProcessIdentity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a QEMU process is held in: QEMU's seccomp filter ({@code -sandbox}) always, and when Hearth runs as root, an
 * unprivileged user QEMU switches to ({@code -runas}) once it has opened everything it needs at start (disks, TAP,
 * sockets, console log, {@code /dev/kvm}), so a guest that escapes into QEMU holds neither root nor the syscalls to
 * spawn programs or raise its privileges.
 *
 * <p>What QEMU 7.2 (Debian 12) accepts, found by running it: {@code elevateprivileges=deny} kills QEMU when
 * {@code -runas} switches user after the filter is in place, so with {@code -runas} privileges are dropped by the
 * switch itself (real, effective and saved ids all become the user's; there is no way back), and the filter only
 * denies the rest; {@code -daemonize} forks after the filter, so it cannot go with {@code spawn=deny}: Hearth never
 * daemonizes QEMU (see {@link QemuVmm#launchDetached}). Immutable and thread-safe.
 *
 * @param runAs the user QEMU switches to, or empty to stay as the caller (not root, or no such user)
 */
public record QemuConfinement(Optional<String> runAs) {

    /** The variable naming the user QEMU runs as; {@code root} keeps QEMU as root. */
    public static final String USER_ENV = "HEARTH_QEMU_USER";
    /** The system user scripts/setup-host creates for QEMU. */
    public static final String DEFAULT_USER = "hearth-vm";
    /** No user switch (tests, and a caller that is not root). */
    public static final QemuConfinement NONE = new QemuConfinement(Optional.empty());

    private static final Logger log = LoggerFactory.getLogger(QemuConfinement.class);

    /**
     * The confinement for this process: {@code -runas} the user {@value #USER_ENV} names ({@value #DEFAULT_USER} by
     * default) when this process is root and the user exists; otherwise none, with the reason logged.
     */
    public static QemuConfinement from(Map<String, String> env) {
        String user = env.getOrDefault(USER_ENV, "").isBlank() ? DEFAULT_USER : env.get(USER_ENV).strip();
        if (!ProcessIdentity.root()) {
            return NONE; // QEMU already runs unprivileged, as this process does
        }
        if (user.equals("root")) {
            log.warn("QEMU runs as root: {} is 'root'", USER_ENV);
            return NONE;
        }
        if (!userExists(user)) {
            log.warn("QEMU runs as root: no user '{}' on this host; create it with scripts/setup-host (or "
                    + "'useradd --system --no-create-home --shell /usr/sbin/nologin {}'), or name another in {}",
                    user, user, USER_ENV);
            return NONE;
        }
        return new QemuConfinement(Optional.of(user));
    }

    /**
     * The options for every VM, a job's or an instance's: QEMU never forks (a detached VM is started in its own
     * session by {@link QemuVmm#launchDetached}, not daemonized), so the filter may deny spawning as well.
     */
    List<String> options() {
        // with -runas, the user switch itself drops privileges; elevateprivileges=deny would kill QEMU at the switch
        return args(runAs.isPresent() ? "on,obsolete=deny,spawn=deny,resourcecontrol=deny"
                : "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    }

    private List<String> args(String sandbox) {
        List<String> a = new ArrayList<>(List.of("-sandbox", sandbox));
        runAs.ifPresent(u -> a.addAll(List.of("-runas", u)));
        return a;
    }

    private static boolean userExists(String user) {
        try {
            Process p = new ProcessBuilder("getent", "passwd", user).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
