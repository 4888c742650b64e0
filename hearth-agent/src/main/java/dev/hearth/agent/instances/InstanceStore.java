// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The instances' state on disk: one folder per instance under STATE_ROOT (mode 700) holding {@code state.json},
 * {@code secrets.json} (mode 600, created so, never widened) and the supervisor's {@code supervisor.json} and
 * {@code host.log}. Every file is written to a temporary file and renamed, so a reader never sees half a file.
 * Thread-safe; several processes may use one STATE_ROOT (allocation goes through {@link #lock()}).
 */
public final class InstanceStore {

    static final String STATE = "state.json";
    static final String SECRETS = "secrets.json";
    static final String REPORT = "supervisor.json";
    static final String HOST_LOG = "host.log";

    private static final ObjectMapper JSON = Json.mapper();
    private final Path root;

    /** Opens (creating with mode 700 when absent) the state root. */
    public InstanceStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        makePrivateFolder(this.root);
    }

    /** The state root. */
    public Path root() {
        return root;
    }

    /** The folder of one instance (it may not exist). */
    public Path folder(String id) {
        return root.resolve(id);
    }

    /** The allocation lock of this state root: threads and processes. */
    StateLock lock() throws IOException {
        return StateLock.acquire(root);
    }

    /** Whether a folder exists for {@code id} (complete or being created). */
    public boolean exists(String id) {
        return Files.isDirectory(folder(id));
    }

    /** The ids that have a state file, sorted. */
    public List<String> ids() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path d : dirs) {
                if (Files.isRegularFile(d.resolve(STATE))) {
                    ids.add(d.getFileName().toString());
                }
            }
        }
        ids.sort(Comparator.naturalOrder());
        return ids;
    }

    /** Every readable instance state, sorted by id. */
    public List<InstanceState> all() throws IOException {
        List<InstanceState> out = new ArrayList<>();
        for (String id : ids()) {
            read(id).ifPresent(out::add);
        }
        return out;
    }

    /** The state of {@code id}, or empty when it has none (never created, or being removed). */
    public Optional<InstanceState> read(String id) throws IOException {
        return readJson(folder(id).resolve(STATE), InstanceState.class);
    }

    /** The secrets of {@code id}. */
    public Optional<InstanceSecrets> secrets(String id) throws IOException {
        return readJson(folder(id).resolve(SECRETS), InstanceSecrets.class);
    }

    /** The supervisor's last report on {@code id}, or {@link SupervisorReport#none()}. */
    public SupervisorReport report(String id) throws IOException {
        return readJson(folder(id).resolve(REPORT), SupervisorReport.class).orElse(SupervisorReport.none());
    }

    /** Creates the instance's folder (mode 700); false when it already exists. */
    boolean createFolder(String id) throws IOException {
        try {
            Files.createDirectory(folder(id), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Writes the state file. */
    public void write(InstanceState state) throws IOException {
        writeJson(folder(state.id()).resolve(STATE), state, "rw-r-----");
    }

    /** Writes the secrets file, mode 600 from its creation. */
    void writeSecrets(String id, InstanceSecrets secrets) throws IOException {
        writeJson(folder(id).resolve(SECRETS), secrets, "rw-------");
    }

    /** Writes the supervisor's report, if the instance's folder still exists. */
    void writeReport(String id, SupervisorReport report) throws IOException {
        if (exists(id)) {
            writeJson(folder(id).resolve(REPORT), report, "rw-r-----");
        }
    }

    /** Appends one line to the instance's host log (supervisor events), if its folder still exists. */
    void appendHostLog(String id, String line) {
        if (!exists(id)) {
            return;
        }
        try {
            Files.writeString(folder(id).resolve(HOST_LOG), line + "\n", java.nio.charset.StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the folder went away between the check and the write: the instance is being destroyed
        }
    }

    /** Removes the instance's folder with everything in it; a missing one is fine. */
    void deleteFolder(String id) throws IOException {
        Path dir = folder(id);
        // The supervisor may land one last report (a temporary file renamed into place) while the folder goes: walk
        // again until it is gone.
        for (int attempt = 1; Files.exists(dir); attempt++) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | NoSuchFileException e) {
                if (attempt == 5) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while removing " + dir);
                }
            }
        }
    }

    private static void makePrivateFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
    }

    private static <T> Optional<T> readJson(Path file, Class<T> type) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(file), type));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static void writeJson(Path file, Object value, String mode) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
