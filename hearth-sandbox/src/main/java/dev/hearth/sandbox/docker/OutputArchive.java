// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.core.receipt.OutputFile;
import dev.hearth.sandbox.OutputLimits;
import dev.hearth.sandbox.Outputs;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Hashes the regular files in a tar stream of the output folder, as the engine's archive endpoint sends it (entry
 * names start with the folder's own name, {@code out/}). Links (symbolic and hard), folders and devices are not
 * outputs and are skipped.
 * Reading stops at the first file that would pass a limit; the result is then marked truncated. Content is hashed
 * as it streams, never held in memory.
 */
final class OutputArchive {

    private OutputArchive() {
    }

    /**
     * @param parent the folder the archived folder sits in ({@code /job}), so {@code out/a.txt} reads
     *     {@code /job/out/a.txt}
     */
    static Outputs hash(InputStream tarStream, String parent, OutputLimits limits) throws IOException {
        return hash(tarStream, parent, limits, null);
    }

    /**
     * As {@link #hash(InputStream, String, OutputLimits)}, writing each listed file's bytes under {@code keepIn}
     * (null: nowhere) as they are hashed. The names come from the workload: one that would resolve outside
     * {@code keepIn} is hashed and listed but not written.
     */
    static Outputs hash(InputStream tarStream, String parent, OutputLimits limits, java.nio.file.Path keepIn)
            throws IOException {
        List<OutputFile> files = new ArrayList<>();
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                // Only entries that carry content: symbolic and hard links (a second name of a file listed
                // anyway), folders and devices are not outputs. (isFile() also says true of links.)
                if (e.getLinkFlag() != TarConstants.LF_NORMAL && e.getLinkFlag() != TarConstants.LF_OLDNORM) {
                    continue;
                }
                if (files.size() >= limits.maxFiles() || total + e.getSize() > limits.maxBytes()) {
                    return new Outputs(files, true);
                }
                MessageDigest sha = sha256();
                long size = 0;
                try (java.io.OutputStream copy = copyOf(keepIn, e.getName())) {
                    for (int n = tar.read(buffer); n >= 0; n = tar.read(buffer)) {
                        sha.update(buffer, 0, n);
                        copy.write(buffer, 0, n);
                        size += n;
                    }
                }
                total += size;
                files.add(new OutputFile(parent + "/" + e.getName(), size, HexFormat.of().formatHex(sha.digest())));
            }
        }
        return new Outputs(files, false);
    }

    /** Where a listed file's copy goes: under {@code keepIn}, or nowhere (no folder, or a name leading out of it). */
    private static java.io.OutputStream copyOf(java.nio.file.Path keepIn, String name) throws IOException {
        if (keepIn == null) {
            return java.io.OutputStream.nullOutputStream();
        }
        java.nio.file.Path root = keepIn.toAbsolutePath().normalize();
        java.nio.file.Path target = root.resolve(name).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            return java.io.OutputStream.nullOutputStream();
        }
        java.nio.file.Files.createDirectories(target.getParent());
        return java.nio.file.Files.newOutputStream(target);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
