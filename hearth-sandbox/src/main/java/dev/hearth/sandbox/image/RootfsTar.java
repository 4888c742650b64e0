// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a root filesystem tar entry by entry, with explicit owners and modes, so the result does not depend on
 * the files' owners on the build host. Not thread-safe; close it to finish the archive.
 */
final class RootfsTar implements AutoCloseable {

    private final TarArchiveOutputStream tar;

    RootfsTar(OutputStream out) {
        this.tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    void directory(String path, int mode, long uid) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path.endsWith("/") ? path : path + "/");
        e.setMode(040000 | mode);
        e.setUserId(uid);
        e.setGroupId(uid);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    void file(String path, byte[] content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path);
        e.setMode(0100000 | mode);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    void file(String path, Path source, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path);
        e.setMode(0100000 | mode);
        e.setSize(Files.size(source));
        tar.putArchiveEntry(e);
        Files.copy(source, tar);
        tar.closeArchiveEntry();
    }

    void symlink(String path, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0120777);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    @Override
    public void close() throws IOException {
        tar.finish();
        tar.close();
    }
}
