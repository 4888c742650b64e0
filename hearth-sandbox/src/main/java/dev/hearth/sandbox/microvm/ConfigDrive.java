// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.job.JobFile;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.host.HostCommand;
import dev.hearth.sandbox.vm.VmNic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The per-VM config drive: a small read-only ext4 image (label {@code hearth-cfg}) that tells the guest init what to
 * run. It holds {@code settings} (user, limits, network; no secrets), {@code job.env} (the environment, secrets
 * included, and the argv, as shell text with every value single-quoted) and {@code files/} (delivered to /job).
 *
 * <p>Secrets touch the host disk only inside the VM's run folder (mode 700): the staging folder lives for the
 * few milliseconds {@code mkfs.ext4 -d} takes and the image (mode 600) until the sandbox is closed. Stateless.
 */
public final class ConfigDrive {

    /** The image's file name in the run folder. */
    public static final String FILE = "config.ext4";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private ConfigDrive() {
    }

    /**
     * The limits and settings the guest init applies, as the shell text of {@code settings}.
     *
     * @param user {@code uid[:gid]} of the job
     * @param pids the job cgroup's pids.max
     * @param memoryBytes the job cgroup's memory.max
     * @param cpuMax the job cgroup's cpu.max
     * @param tmpBytes the size of /tmp (tmpfs)
     * @param readOnlyRoot whether the root filesystem stays read-only
     * @param hostname the guest's host name
     * @param nic the guest's network interface, if it has one
     */
    public record Settings(String user, long pids, long memoryBytes, String cpuMax, long tmpBytes, boolean readOnlyRoot,
            String hostname, Optional<VmNic> nic) {

        String text() {
            StringBuilder s = new StringBuilder();
            line(s, "HEARTH_USER", user);
            line(s, "HEARTH_PIDS", Long.toString(pids));
            line(s, "HEARTH_MEMORY_BYTES", Long.toString(memoryBytes));
            line(s, "HEARTH_CPU_MAX", cpuMax);
            line(s, "HEARTH_TMP_BYTES", Long.toString(tmpBytes));
            line(s, "HEARTH_JOB_BYTES", "50%");
            line(s, "HEARTH_READ_ONLY_ROOT", readOnlyRoot ? "1" : "0");
            line(s, "HEARTH_HOSTNAME", hostname);
            line(s, "HEARTH_NET_ADDRESS", nic.map(VmNic::guestAddress).orElse(""));
            line(s, "HEARTH_NET_PREFIX", nic.map(n -> Integer.toString(n.prefixLength())).orElse(""));
            line(s, "HEARTH_NET_GATEWAY", nic.map(VmNic::gateway).orElse(""));
            return s.toString();
        }

        private static void line(StringBuilder s, String name, String value) {
            s.append(name).append('=').append(quote(value)).append('\n');
        }
    }

    /** Writes the drive for {@code spec} into {@code runDir} and returns its path. */
    public static Path write(Path runDir, SandboxSpec spec, Settings settings) throws SandboxException, InterruptedException {
        return write(runDir, spec.name(), settings.text(), Optional.of(environment(spec)), spec.files());
    }

    /**
     * Writes the drive of a VM booted for a warm pool into {@code runDir} and returns its path: {@code settings}
     * only, with {@code HEARTH_POOLED=1}, which tells the guest init to wait for its job on the console
     * ({@link ConsoleJob}); no environment, no files.
     */
    static Path writePooled(Path runDir, String name, Settings settings) throws SandboxException, InterruptedException {
        return write(runDir, name, settings.text() + "HEARTH_POOLED=1\n", Optional.empty(), List.of());
    }

    private static Path write(Path runDir, String name, String settings, Optional<String> environment,
            List<JobFile> jobFiles) throws SandboxException, InterruptedException {
        Path staging = runDir.resolve("config.d");
        Path image = runDir.resolve(FILE);
        try {
            Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            writePrivate(staging.resolve("settings"), settings.getBytes(StandardCharsets.UTF_8));
            if (environment.isPresent()) {
                writePrivate(staging.resolve("job.env"), environment.get().getBytes(StandardCharsets.UTF_8));
            }
            Path files = Files.createDirectory(staging.resolve("files"));
            long total = 0;
            for (JobFile f : jobFiles) {
                Path target = files.resolve(f.path().substring(SandboxSpec.WORKSPACE.length() + 1));
                Files.createDirectories(target.getParent());
                Files.write(target, f.content());
                Files.setPosixFilePermissions(target, permissions(f.mode()));
                total += f.content().length;
            }
            Files.createFile(image, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            // ext4 needs room for its metadata and a block per small file: 2 MiB + twice the payload is plenty.
            long kib = 2048 + (2 * total + 4096L * jobFiles.size()) / 1024;
            HostCommand.run(List.of("mkfs.ext4", "-q", "-F", "-L", "hearth-cfg", "-O", "^has_journal",
                    "-E", "root_owner=0:0", "-d", staging.toString(), image.toString(), kib + "K"),
                    Duration.ofMinutes(2));
            return image;
        } catch (IOException e) {
            throw new SandboxException("cannot write the config drive of sandbox " + name + ": "
                    + e.getMessage(), e);
        } finally {
            try {
                ContentCache.deleteTree(staging);
            } catch (IOException e) {
                // the run folder, with this in it, is removed when the sandbox closes
            }
        }
    }

    /** {@code job.env}: {@code export NAME='value'} per variable (plain, then secret), then {@code set -- argv}. */
    static String environment(SandboxSpec spec) {
        StringBuilder s = new StringBuilder();
        s.append("export HOME=").append(quote(SandboxSpec.WORKSPACE)).append('\n');
        s.append("export PATH='/usr/sbin:/usr/bin:/sbin:/bin'\n");
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            s.append("export ").append(name(e.getKey())).append('=').append(quote(e.getValue())).append('\n');
        }
        spec.secrets().forEach((k, v) ->
                s.append("export ").append(name(k)).append('=').append(quote(v.reveal())).append('\n'));
        s.append("set --");
        for (String arg : spec.command()) {
            s.append(' ').append(quote(arg));
        }
        return s.append('\n').toString();
    }

    private static String name(String variable) {
        if (!variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new dev.hearth.core.InvalidInputException("environment variable name", variable,
                    "letters, digits and underscores, not starting with a digit");
        }
        return variable;
    }

    /** A POSIX shell single-quoted word: the value exactly, whatever it contains. */
    public static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.write(file, content);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        List<PosixFilePermission> all = List.of(PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ);
        List<PosixFilePermission> set = new ArrayList<>();
        for (int bit = 0; bit < 9; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(all.get(bit));
            }
        }
        return set.isEmpty() ? Set.of() : Set.copyOf(set);
    }
}
