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
 * the job printed. Thread-safe.
 */
public final class Outbox {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final Path dir;

    private Outbox(Path dir) {
        this.dir = dir;
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
        return new Outbox(dir);
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

    /** Every stored result, oldest first. Unreadable files are logged and skipped (and kept for inspection). */
    public List<JobResultMessage> pending() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            log.warn("could not list the outbox {}: {}", dir, e.getMessage());
            return List.of();
        }
        files.sort(Comparator.comparing(Outbox::modified));
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
