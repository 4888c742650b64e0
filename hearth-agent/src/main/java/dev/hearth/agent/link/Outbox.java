// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import dev.hearth.core.protocol.AgentMessage;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.LeaseRef;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finished results not yet acknowledged by the coordinator, one file each in {@code STATE/outbox}, written
 * atomically and synced before the result is sent, and removed only when a {@code result_ack} (accepted or refused)
 * arrives. So a result survives a disconnect, an agent crash and a restart. Files are mode 600: logs may hold what
 * the job printed. A result the coordinator refused for good ({@link #deadLetter}) moves to {@code STATE/dead-letter}
 * with a note of why, for the operator, so that it never blocks the results behind it; that folder keeps the newest
 * {@value #DEAD_LETTERS_KEPT}. Thread-safe.
 */
public final class Outbox {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    /** Refused results kept for the operator; older ones are deleted as newer ones arrive. */
    public static final int DEAD_LETTERS_KEPT = 100;

    private final Path dir;
    private final Path deadLetters;

    private Outbox(Path dir, Path deadLetters) {
        this.dir = dir;
        this.deadLetters = deadLetters;
    }

    /**
     * Opens the outbox under {@code stateDir}, creating it when absent.
     *
     * @throws IOException when the folder cannot be made
     */
    public static Outbox open(Path stateDir) throws IOException {
        StateFolder.ensure(stateDir);
        Path dir = stateDir.resolve("outbox");
        StateFolder.ensure(dir);
        Path dead = stateDir.resolve("dead-letter");
        StateFolder.ensure(dead);
        return new Outbox(dir, dead);
    }

    /**
     * Stores a result durably; returns once it is on disk.
     *
     * @throws IOException when it cannot be written
     */
    public void put(JobResultMessage result) throws IOException {
        Path target = file(result.id(), result.epoch() == null ? 0 : result.epoch());
        Path tmp = Files.createTempFile(dir, ".result", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(ProtocolCodec.encode(result).getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException notSupported) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    /** Forgets a result once the coordinator answered for it. */
    public void remove(String jobId, long epoch) {
        try {
            Files.deleteIfExists(file(jobId, epoch));
        } catch (IOException e) {
            log.warn("could not remove the sent result of job {} from the outbox {}: {}", jobId, dir, e.getMessage());
        }
    }

    /**
     * Moves a result the coordinator refused for good out of the outbox into {@code STATE/dead-letter}, beside a
     * {@code .reason} file naming the job, epoch and reason, and logs it once. Nothing happens when the result is
     * not (or no longer) in the outbox.
     *
     * @param reason the coordinator's code and text; not secret (it never holds the result's logs)
     */
    public void deadLetter(String jobId, long epoch, String reason) {
        Path source = file(jobId, epoch);
        if (!Files.exists(source)) {
            return;
        }
        Path target = deadLetters.resolve(source.getFileName());
        String why = reason == null ? "(no reason given)" : reason.length() > 500 ? reason.substring(0, 500) + "..." : reason;
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(deadLetters.resolve(source.getFileName() + ".reason"), "job " + jobId + " epoch " + epoch
                    + ": " + why + "\n", StandardCharsets.UTF_8);
            log.error("the coordinator refused the result of job {} (epoch {}) for good: {}; it is kept in {} for the "
                    + "operator and the results behind it are sent", jobId, epoch, why, target);
        } catch (IOException e) {
            log.error("the coordinator refused the result of job {} (epoch {}) for good: {}; it could not be moved "
                    + "to {} ({}), so it is deleted", jobId, epoch, why, deadLetters, e.getMessage());
            remove(jobId, epoch);
        }
        prune();
    }

    /** The refused results kept for the operator, as files ({@code .json}), oldest first. */
    public List<Path> deadLetters() {
        return listed(deadLetters);
    }

    private void prune() {
        List<Path> kept = deadLetters();
        for (Path old : kept.subList(0, Math.max(0, kept.size() - DEAD_LETTERS_KEPT))) {
            try {
                Files.deleteIfExists(old);
                Files.deleteIfExists(old.resolveSibling(old.getFileName() + ".reason"));
            } catch (IOException e) {
                log.warn("could not delete the old refused result {}: {}", old, e.getMessage());
            }
        }
    }

    private static List<Path> listed(Path folder) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "*.json")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            log.warn("could not list {}: {}", folder, e.getMessage());
            return List.of();
        }
        files.sort(Comparator.comparing(Outbox::modified));
        return files;
    }

    /** Every stored result, oldest first. Unreadable files are logged and skipped (and kept for inspection). */
    public List<JobResultMessage> pending() {
        List<Path> files = listed(dir);
        List<JobResultMessage> out = new ArrayList<>();
        for (Path f : files) {
            try {
                AgentMessage m = ProtocolCodec.decodeAgentMessage(Files.readString(f));
                if (m instanceof JobResultMessage r) {
                    out.add(r);
                } else {
                    log.warn("outbox file {} holds a {} rather than a result; left in place", f, m.getClass());
                }
            } catch (IOException | ProtocolException e) {
                log.warn("outbox file {} cannot be read ({}); left in place", f, e.getMessage());
            }
        }
        return out;
    }

    /** The leases whose results wait here. */
    public List<LeaseRef> leases() {
        return pending().stream().map(r -> new LeaseRef(r.id(), r.epoch() == null ? 0 : r.epoch())).toList();
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException gone) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    private Path file(String jobId, long epoch) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((jobId + "\n" + epoch).getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(digest, 0, 16) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
