// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.core.job.JobFile;
import dev.hearth.sandbox.SandboxSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds the tar stream delivered into a container's workspace volume: the job's files, the folders above them,
 * and the writable output folder, all owned by the sandbox's user.
 *
 * <p>The workspace is an anonymous volume, so the engine accepts the archive even though the root filesystem is
 * read-only; the volume's own top folder keeps the engine's ownership, which is why outputs go to a sub-folder.
 */
final class WorkspaceArchive {

    private WorkspaceArchive() {
    }

    static byte[] build(List<JobFile> files, String user) {
        String[] ids = user.split(":");
        long uid = Long.parseLong(ids[0]);
        long gid = ids.length > 1 ? Long.parseLong(ids[1]) : uid;
        String prefix = SandboxSpec.WORKSPACE + "/";
        TreeSet<String> dirs = new TreeSet<>();
        dirs.add("out");
        for (JobFile f : files) {
            String rel = f.path().substring(prefix.length());
            for (int slash = rel.indexOf('/'); slash > 0; slash = rel.indexOf('/', slash + 1)) {
                dirs.add(rel.substring(0, slash));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String dir : dirs) {
                TarArchiveEntry e = new TarArchiveEntry(dir + "/");
                e.setUserId(uid);
                e.setGroupId(gid);
                e.setMode(040755);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (JobFile f : files) {
                TarArchiveEntry e = new TarArchiveEntry(f.path().substring(prefix.length()));
                e.setUserId(uid);
                e.setGroupId(gid);
                e.setMode(0100000 | f.mode());
                e.setSize(f.content().length);
                tar.putArchiveEntry(e);
                tar.write(f.content());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("building an in-memory tar cannot fail", e);
        }
        return bytes.toByteArray();
    }
}
