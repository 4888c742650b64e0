// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.host.HostCommand;
import dev.hearth.sandbox.ProcessIdentity;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's {@code /job} with a size quota: a sparse ext4 image of the quota's size, loop-mounted (nosuid, nodev) on
 * the host and bound into the container, so a job writing past it gets ENOSPC from its own filesystem, never fills
 * the host's disk, and uses on disk only what it wrote. The engine's {@code local} volume driver cannot bound a
 * disk-backed volume on overlay2 over ext4 (its tmpfs option can, but the engine unmounts a tmpfs volume between
 * the files delivered before start and the start itself, losing them), and a bind mount stays mounted from the
 * delivery of the job's files until its outputs are read. Needs root (mount); {@link Quota#from} says when it is
 * off. {@link #close} (after the container is removed) unmounts and deletes it. Thread-safe.
 */
final class WorkspaceVolume implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceVolume.class);
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);
    private static final java.security.SecureRandom SUFFIXES = new java.security.SecureRandom();

    private final Path image;
    private final Path mountPoint;

    private WorkspaceVolume(Path image, Path mountPoint) {
        this.image = image;
        this.mountPoint = mountPoint;
    }

    /**
     * The operator's quota on every job's {@code /job}.
     *
     * @param bytes the size of each job's {@code /job}, or empty for no quota (an anonymous volume, as before)
     * @param root where the images and mount points live
     */
    record Quota(Optional<Long> bytes, Path root) {

        /** The variable holding the quota: a size such as {@code 4G}, or {@code off}. */
        static final String ENV = "HEARTH_JOB_DISK";
        /** The variable naming the folder of the images and mount points. */
        static final String ROOT_ENV = "HEARTH_WORKSPACES";
        static final String DEFAULT_SIZE = "4G";
        static final Path DEFAULT_ROOT = Path.of("/var/lib/hearth/workspaces");

        /**
         * Reads {@value #ENV} (default {@value #DEFAULT_SIZE}) and {@value #ROOT_ENV}; off, with the reason logged,
         * when this process is not root (it cannot mount) or the setting is {@code off}.
         */
        static Quota from(Map<String, String> env) {
            Path root = Path.of(env.getOrDefault(ROOT_ENV, "").isBlank() ? DEFAULT_ROOT.toString() : env.get(ROOT_ENV));
            String size = env.getOrDefault(ENV, "").isBlank() ? DEFAULT_SIZE : env.get(ENV).strip();
            if (size.equalsIgnoreCase("off")) {
                log.warn("/job has no size quota: {} is 'off'", ENV);
                return new Quota(Optional.empty(), root);
            }
            long bytes = ByteSize.parse(ENV, size).bytes();
            if (!ProcessIdentity.root()) {
                log.warn("/job has no size quota: mounting its {} image needs root (this process runs as {})", size,
                        System.getProperty("user.name"));
                return new Quota(Optional.empty(), root);
            }
            return new Quota(Optional.of(bytes), root);
        }
    }

    /**
     * Makes and mounts the workspace of sandbox {@code name}, {@code bytes} large; nothing is left on failure. Its
     * files are named {@code NAME.SUFFIX}, a random suffix each time: the same job run again on this host by another
     * agent (its first node was killed and its {@code /job} is still mounted until reaped) gets a workspace of its own.
     */
    static WorkspaceVolume make(Path root, String name, long bytes) throws SandboxException, InterruptedException {
        String unique = name + "." + Long.toHexString(SUFFIXES.nextLong() >>> 16);
        Path image = root.resolve(unique + ".ext4");
        Path mountPoint = root.resolve(unique);
        WorkspaceVolume v = new WorkspaceVolume(image, mountPoint);
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(bytes); // sparse: disk is used as the job writes
            }
            HostCommand.run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal", image.toString()),
                    COMMAND_LIMIT);
            Files.createDirectory(mountPoint);
            HostCommand.run(List.of("mount", "-o", "loop,nosuid,nodev", image.toString(), mountPoint.toString()),
                    COMMAND_LIMIT);
            Files.deleteIfExists(mountPoint.resolve("lost+found"));
            return v;
        } catch (IOException | RuntimeException e) {
            v.close();
            throw new SandboxException("cannot make the " + (bytes >> 20) + " MiB /job of " + name + " in " + root + " (" + Quota.ENV + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            v.close();
            throw e;
        }
    }

    /** The host folder bound at {@code /job}. */
    Path mountPoint() {
        return mountPoint;
    }

    /** The ext4 image mounted there. */
    Path image() {
        return image;
    }

    /** Binds {@code volume} at {@code /job} in {@code host}, beside the binds already there. */
    static void bind(HostConfig host, WorkspaceVolume volume) {
        List<Bind> binds = new ArrayList<>(host.getBinds() == null ? List.of() : List.of(host.getBinds()));
        binds.add(new Bind(volume.mountPoint.toString(), new Volume(SandboxSpec.WORKSPACE)));
        host.withBinds(binds);
    }

    /**
     * Removes the workspaces under {@code root} left by a process that died before closing its sandbox: those older
     * than a minute (so one another process is setting up now is spared) whose container is gone.
     */
    static void reap(Path root, java.util.function.Predicate<String> containerExists) {
        if (!Files.isDirectory(root)) {
            return;
        }
        java.time.Instant before = java.time.Instant.now().minus(Duration.ofMinutes(1));
        try (var images = Files.newDirectoryStream(root, "*.ext4")) {
            for (Path image : images) {
                String unique = image.getFileName().toString().replaceFirst("\\.ext4$", "");
                int dot = unique.lastIndexOf('.');
                String name = dot > 0 ? unique.substring(0, dot) : unique; // the sandbox's, without make's suffix
                if (Files.getLastModifiedTime(image).toInstant().isBefore(before) && !containerExists.test(name)) {
                    log.info("removing the /job image {} of {}, whose container is gone", image.getFileName(), name);
                    new WorkspaceVolume(image, root.resolve(unique)).close();
                }
            }
        } catch (IOException e) {
            log.warn("cannot look for left-over /job images in {}: {}", root, e.getMessage());
        }
    }

    /** Unmounts (detaching the loop device) and deletes the image and mount point; logs what it could not. */
    @Override
    public void close() {
        try {
            if (Files.isDirectory(mountPoint)) {
                HostCommand.run(List.of("sh", "-c", "! mountpoint -q \"$0\" || umount -d \"$0\"",
                        mountPoint.toString()), COMMAND_LIMIT);
                Files.deleteIfExists(mountPoint);
            }
            Files.deleteIfExists(image);
        } catch (IOException | RuntimeException e) {
            log.error("could not remove the /job image {} mounted on {}: {}", image, mountPoint, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("interrupted while removing the /job image {}; it may remain mounted on {}", image, mountPoint);
        }
    }
}
