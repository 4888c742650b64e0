// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.host.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OpenClaw guest root filesystem for microVM instances: the same Debian root with Node and OpenClaw that
 * {@code hearth/openclaw} is made of ({@link OpenClawImage#writeRootfs}), plus the guest side of Hearth: the guest
 * init ({@code /sbin/hearth-init}), its helper ({@code /usr/bin/hearth-guest}) and busybox with its applets in
 * {@code /usr/lib/hearth/bin} (first on init's PATH, so init finds {@code ip}, {@code findfs} and {@code reboot},
 * which a minimal Debian lacks). Cached by content under BASE_IMAGES_DIR as {@code openclaw-vm-KEY/rootfs.ext4};
 * instances copy it to a disk of their own. Stateless.
 */
public final class OpenClawVmImage {

    static final String RECIPE = "hearth-openclaw-vm-v2";
    /**
     * OpenClaw's own limits for its state-lease worker (5 s to start, 1 s to answer), which a guest under TCG (about
     * 17 times slower than the host) misses: doctor then refuses its migrations and the gateway will not start. The
     * guest root lengthens them to 120 s and 30 s (the lease itself lasts 300 s); with KVM they only matter when the
     * worker hangs. Exact text of OpenClaw 2026.9.x's bundle; where it is not found nothing is changed.
     */
    private static final java.util.Map<String, String> WORKER_LIMITS = java.util.Map.of(
            "const LEASE_HEARTBEAT_START_TIMEOUT_MS = 5e3;", "const LEASE_HEARTBEAT_START_TIMEOUT_MS = 12e4;",
            "const WORKER_RESPONSE_TIMEOUT_MS = 1e3;", "const WORKER_RESPONSE_TIMEOUT_MS = 3e4;");
    /** Room left free on the image beyond its files (an instance's disk grows it to --disk-size). */
    private static final long SLACK_BYTES = 256L << 20;
    private static final Duration LIMIT = Duration.ofMinutes(10);

    private OpenClawVmImage() {
    }

    /** What an instance's guest root must hold: the guest init, its helper and OpenClaw. */
    public static final List<String> REQUIRED = List.of("/sbin/hearth-init", "/usr/bin/hearth-guest",
            "/usr/local/bin/openclaw");

    /**
     * Why {@code rootfs} cannot be an instance's guest root (it is no ext4 file system, or lacks one of
     * {@link #REQUIRED}), or empty when it can. Reads it with e2fsprogs' debugfs; changes nothing.
     */
    public static Optional<String> unfit(Path rootfs) throws SandboxException, InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String path : REQUIRED) {
            List<String> out = new ArrayList<>();
            HostCommand.run(List.of("debugfs", "-R", "stat " + path, rootfs.toString()), Duration.ofMinutes(1),
                    out::add);
            if (out.stream().anyMatch(l -> l.contains("Filesystem not open"))) {
                return Optional.of("it is not an ext4 file system");
            }
            if (out.stream().noneMatch(l -> l.startsWith("Inode:"))) {
                missing.add(path);
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("it lacks " + String.join(", ", missing));
    }

    /** The cached {@code rootfs.ext4} for OpenClaw {@code version}, built (with progress) when missing. */
    public static Path ensure(ContentCache cache, String version, BuildProgress progress)
            throws SandboxException, InterruptedException {
        OpenClawImage.checkVersion("--openclaw-version", version);
        Path busybox = BaseImages.findStaticBusybox();
        byte[] init = GuestKernel.resource("hearth-init");
        byte[] helper = GuestKernel.resource("hearth-guest.c");
        String key;
        try {
            key = ContentCache.key(RECIPE, OpenClawImage.contentTag(version, OpenClawImage.DEFAULT_NODE_VERSION,
                    List.of()), ContentCache.digest(Files.readAllBytes(busybox)), ContentCache.digest(init),
                    ContentCache.digest(helper));
        } catch (IOException e) {
            throw new SandboxException("cannot read " + busybox + ": " + e.getMessage(), e);
        }
        Path entry = cache.ensure("openclaw-vm", key, (out, scratch) -> {
            try {
                Path tar = rootfsTar(cache, version, progress);
                Path root = Files.createDirectory(scratch.resolve("root"));
                progress.step("unpack the OpenClaw root filesystem");
                HostCommand.run(List.of("tar", "-xpf", tar.toString(), "--numeric-owner", "-C", root.toString()),
                        LIMIT, progress::detail);
                GuestRootfs.compileHelper(helper, scratch, root.resolve("usr/bin/hearth-guest"), progress);
                progress.step("add Hearth's guest init and busybox");
                addGuestSide(root, busybox, init);
                int patched = patchWorkerLimits(root.resolve("opt/openclaw/node_modules/openclaw/dist"));
                progress.step("lengthen OpenClaw's worker start-up limits for emulated CPUs (" + patched + " places)");
                long bytes = treeBytes(root) * 5 / 4 + SLACK_BYTES;
                progress.step("mkfs.ext4 -d (" + (bytes >> 20) + " MiB)");
                HostCommand.run(List.of("mkfs.ext4", "-q", "-F", "-L", "hearth-root", "-E", "root_owner=0:0",
                        "-d", root.toString(), out.resolve("rootfs.ext4").toString(), (bytes >> 20) + "M"), LIMIT,
                        progress::detail);
            } catch (IOException e) {
                throw new SandboxException("cannot assemble the OpenClaw guest root filesystem: " + e.getMessage(), e);
            }
        });
        return entry.resolve("rootfs.ext4");
    }

    /**
     * The OpenClaw root filesystem as a tar, cached by its content tag ({@code openclaw-rootfs-KEY/rootfs.tar}), so
     * a change to Hearth's guest side rebuilds only the ext4 image, not the Debian bootstrap and npm install.
     */
    static Path rootfsTar(ContentCache cache, String version, BuildProgress progress)
            throws SandboxException, InterruptedException {
        String key = ContentCache.key("hearth-openclaw-rootfs-v1", OpenClawImage.contentTag(version,
                OpenClawImage.DEFAULT_NODE_VERSION, List.of()));
        return cache.ensure("openclaw-rootfs", key, (out, scratch) -> OpenClawImage.writeRootfs(
                out.resolve("rootfs.tar"), version, OpenClawImage.DEFAULT_NODE_VERSION, List.of(), progress))
                .resolve("rootfs.tar");
    }

    private static void addGuestSide(Path root, Path busybox, byte[] init) throws IOException {
        Path lib = Files.createDirectories(root.resolve("usr/lib/hearth/bin"));
        Files.copy(busybox, root.resolve("usr/bin/busybox"));
        for (String applet : BaseImages.applets(busybox)) {
            String name = applet.substring(applet.lastIndexOf('/') + 1);
            if (!name.equals("busybox") && !Files.exists(lib.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(lib.resolve(name), Path.of("/usr/bin/busybox"));
            }
        }
        Path initFile = root.resolve("usr/sbin/hearth-init");
        Files.write(initFile, init);
        Files.setPosixFilePermissions(initFile, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("usr/bin/hearth-guest"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(root.resolve("job"));
    }

    /** Applies {@link #WORKER_LIMITS} to the bundle's JavaScript files; returns how many places changed. */
    static int patchWorkerLimits(Path dist) throws IOException {
        if (!Files.isDirectory(dist)) {
            return 0;
        }
        int changed = 0;
        try (var files = Files.walk(dist)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".js") || p.toString().endsWith(".mjs"))
                    .filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
                String out = text;
                for (var e : WORKER_LIMITS.entrySet()) {
                    if (out.contains(e.getKey())) {
                        out = out.replace(e.getKey(), e.getValue());
                        changed++;
                    }
                }
                if (!out.equals(text)) {
                    Files.writeString(f, out, java.nio.charset.StandardCharsets.ISO_8859_1);
                }
            }
        }
        return changed;
    }

    private static long treeBytes(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p) + 4096;
                } catch (IOException e) {
                    return 4096;
                }
            }).sum();
        }
    }
}
