// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Firecracker started as it is: {@code firecracker --api-sock <runDir>/firecracker.sock --id <id>}, its log and
 * metrics in the run folder, and the VM's files named by their host paths.
 */
final class DirectLayout implements ProcessLayout {

    private final String id;
    private final Path runDir;
    private final AtomicBoolean madeRunDir = new AtomicBoolean();

    DirectLayout(String id, Path runDir) {
        this.id = id;
        this.runDir = runDir.toAbsolutePath();
    }

    @Override
    public void prepare() throws IOException {
        if (!Files.isDirectory(runDir)) {
            Files.createDirectories(runDir.getParent());
            Files.createDirectory(runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
            madeRunDir.set(true);
        }
        Files.deleteIfExists(socket()); // firecracker refuses to bind over it ("Address in use")
    }

    @Override
    public List<String> command(Path firecracker) {
        return List.of(firecracker.toString(), "--api-sock", socket().toString(), "--id", id);
    }

    @Override
    public Path socket() {
        return runDir.resolve(SOCKET);
    }

    @Override
    public String createOutput(String name) throws IOException {
        Path file = output(name);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return file.toString();
    }

    @Override
    public Path output(String name) {
        return runDir.resolve(name);
    }

    @Override
    public String expose(Path hostFile, String name, boolean writable) {
        return hostFile.toAbsolutePath().toString();
    }

    @Override
    public void remove() {
        FileTree.deleteQuietly(socket());
        FileTree.deleteQuietly(output(LOG));
        FileTree.deleteQuietly(output(METRICS));
        if (madeRunDir.get()) {
            FileTree.deleteQuietly(runDir); // only when empty: the caller's own files there are not ours
        }
    }
}
