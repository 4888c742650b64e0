// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.host.HostCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * Assembles the guest's ext4 root filesystem from files, without mounting anything: the host's static busybox
 * with its applet links, Hearth's guest init ({@code /sbin/hearth-init}) and its helper ({@code hearth-guest},
 * compiled statically here), then {@code mkfs.ext4 -d}. Cached by the hash of busybox, init and helper source.
 * Stateless and thread-safe.
 */
final class GuestRootfs {

    static final String RECIPE = "hearth-rootfs-v1";
    /** The root filesystem's size; busybox and the helper take about 3 MiB of it. */
    static final String SIZE = "32M";
    private static final Duration LIMIT = Duration.ofMinutes(5);

    private GuestRootfs() {
    }

    /** The cache entry holding {@code rootfs.ext4}, built when missing. */
    static Path ensure(ContentCache cache, BuildProgress progress) throws SandboxException, InterruptedException {
        Path busybox = BaseImages.findStaticBusybox();
        byte[] init = GuestKernel.resource("hearth-init");
        byte[] helper = GuestKernel.resource("hearth-guest.c");
        String key;
        try {
            key = ContentCache.key(RECIPE, ContentCache.digest(Files.readAllBytes(busybox)),
                    ContentCache.digest(init), ContentCache.digest(helper), SIZE);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + busybox + ": " + e.getMessage(), e);
        }
        return cache.ensure("rootfs", key, (out, scratch) -> {
            try {
                Path root = Files.createDirectory(scratch.resolve("root"));
                compileHelper(helper, scratch, root.resolve("hearth-guest"), progress);
                progress.step("rootfs: assemble busybox and hearth-init");
                assemble(root, busybox, init);
                progress.step("rootfs: mkfs.ext4 -d (" + SIZE + ")");
                HostCommand.run(List.of("mkfs.ext4", "-q", "-F", "-L", "hearth-root", "-E", "root_owner=0:0",
                        "-d", root.toString(), out.resolve("rootfs.ext4").toString(), SIZE), LIMIT, progress::detail);
            } catch (IOException e) {
                throw new SandboxException("cannot assemble the guest root filesystem: " + e.getMessage(), e);
            }
        });
    }

    /** Compiles the guest helper ({@code hearth-guest.c}, static) to {@code out}. */
    static void compileHelper(byte[] source, Path scratch, Path out, BuildProgress progress)
            throws SandboxException, InterruptedException, IOException {
        progress.step("compile the guest helper (gcc -static)");
        Path c = Files.write(scratch.resolve("hearth-guest.c"), source);
        HostCommand.run(List.of("gcc", "-static", "-O2", "-s", "-o", out.toString(), c.toString()), LIMIT,
                progress::detail);
    }

    private static void assemble(Path root, Path busybox, byte[] init) throws IOException {
        for (String dir : List.of("bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "run", "tmp",
                "job", "root", "var")) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.setPosixFilePermissions(root.resolve("root"), PosixFilePermissions.fromString("rwx------"));
        Files.copy(busybox, root.resolve("bin/busybox"));
        Files.move(root.resolve("hearth-guest"), root.resolve("usr/bin/hearth-guest"));
        for (String applet : BaseImages.applets(busybox)) {
            Path link = root.resolve(applet);
            if (!applet.equals("bin/busybox") && !Files.exists(link)) {
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, link.getParent().relativize(root.resolve("bin/busybox")));
            }
        }
        Files.write(root.resolve("sbin/hearth-init"), init);
        Files.write(root.resolve("etc/passwd"), ("root:x:0:0:root:/root:/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(root.resolve("sbin/hearth-init"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("usr/bin/hearth-guest"),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
    }
}
