// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

/**
 * Firecracker started through its jailer:
 * {@code jailer --id <id> --exec-file <firecracker> --uid <uid> --gid <gid> --chroot-base-dir <base> --
 * --api-sock /firecracker.sock}. The jailer makes {@code <base>/<exec file name>/<id>/root}, puts the device nodes
 * there, chroots into it, drops to uid:gid and execs firecracker in the same process (no {@code --daemonize}, so the
 * pid Hearth holds is firecracker's). Every file firecracker opens must then lie inside that root, and the API names
 * it by its path there ({@code /vmlinux}, {@code /rootfs.img}); this layout links them in before the API calls.
 *
 * <p>Read-only inputs (kernel, initrd, read-only drives, snapshots) are hard-linked when others may read them, and
 * copied and given to uid:gid otherwise, so a shared kernel's owner never changes. Read-write drives must be
 * hard-linked (a copy would lose the guest's writes) and are given to uid:gid: they belong to this VM.
 * {@link #remove()} deletes {@code <base>/<exec file name>/<id>}: links, copies, device nodes and outputs.
 */
final class JailedLayout implements ProcessLayout {

    private final String id;
    private final FirecrackerSettings.Jailer jailer;
    private final Path instanceDir;
    private final Path root;

    JailedLayout(String id, FirecrackerSettings.Jailer jailer, Path firecracker) {
        this.id = id;
        this.jailer = jailer;
        this.instanceDir = jailer.chrootBase().resolve(firecracker.getFileName().toString()).resolve(id);
        this.root = instanceDir.resolve("root");
    }

    /** The chroot folder as seen from the host. */
    Path root() {
        return root;
    }

    @Override
    public void prepare() throws IOException {
        if (Files.exists(instanceDir)) {
            FileTree.deleteTreeQuietly(instanceDir); // a crashed earlier run's chroot: the jailer refuses stale nodes
        }
        Files.createDirectories(root);
        giveToJail(root); // firecracker, once jailed, creates its API socket here
    }

    @Override
    public List<String> command(Path firecracker) {
        return List.of(jailer.binary().toString(),
                "--id", id,
                "--exec-file", firecracker.toString(),
                "--uid", Integer.toString(jailer.uid()),
                "--gid", Integer.toString(jailer.gid()),
                "--chroot-base-dir", jailer.chrootBase().toString(),
                "--",
                "--api-sock", "/" + SOCKET);
    }

    @Override
    public Path socket() {
        return root.resolve(SOCKET);
    }

    @Override
    public String createOutput(String name) throws IOException {
        Path file = output(name);
        Files.deleteIfExists(file);
        Files.createFile(file);
        Files.setPosixFilePermissions(file, java.util.Set.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE));
        giveToJail(file);
        return "/" + name;
    }

    @Override
    public Path output(String name) {
        return root.resolve(name);
    }

    @Override
    public String expose(Path hostFile, String name, boolean writable) throws IOException {
        Path inside = root.resolve(name);
        Files.deleteIfExists(inside);
        if (writable) {
            try {
                Files.createLink(inside, hostFile);
            } catch (FileSystemException e) {
                throw new IOException("cannot hard-link the read-write drive " + hostFile + " into the jail at "
                        + inside + " (it must be on the same file system as the chroot base "
                        + jailer.chrootBase() + "): " + e.getMessage(), e);
            }
            giveToJail(inside);
        } else if (Files.getPosixFilePermissions(hostFile).contains(PosixFilePermission.OTHERS_READ)) {
            try {
                Files.createLink(inside, hostFile);
            } catch (FileSystemException e) { // another file system: a copy reads the same
                Files.copy(hostFile, inside, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } else {
            Files.copy(hostFile, inside);
            giveToJail(inside);
        }
        return "/" + name;
    }

    @Override
    public void remove() {
        FileTree.deleteTreeQuietly(instanceDir);
    }

    private void giveToJail(Path file) throws IOException {
        Files.setAttribute(file, "unix:uid", jailer.uid());
        Files.setAttribute(file, "unix:gid", jailer.gid());
    }
}
