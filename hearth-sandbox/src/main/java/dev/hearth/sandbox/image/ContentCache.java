// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A folder of build outputs keyed by the hash of their inputs ({@code BASE_IMAGES_DIR}): an entry is a folder
 * {@code NAME-KEY} that exists only once complete. Builds run in a private work folder and are published with an
 * atomic rename, under a per-entry file lock, so two processes asking for the same entry build it once and a
 * crashed build leaves no entry behind. Thread-safe and safe across processes.
 */
public final class ContentCache {

    /** The environment variable that moves the cache (fireclaw's name for its base images folder). */
    public static final String ENV = "BASE_IMAGES_DIR";

    /** One monitor per entry in this JVM: file locks are per process, and a second lock by one JVM throws. */
    private static final Map<String, Object> BUILDING = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path root;

    /** A cache in {@code root}, created on first use. */
    public ContentCache(Path root) {
        this.root = root.toAbsolutePath();
    }

    /**
     * The default folder: {@code $BASE_IMAGES_DIR}; else {@code /var/lib/hearth/images} for root and
     * {@code $XDG_DATA_HOME/hearth/images} (or {@code ~/.local/share/hearth/images}) for other users.
     */
    public static ContentCache fromEnvironment(Map<String, String> env) {
        String dir = env.get(ENV);
        if (dir != null && !dir.isBlank()) {
            return new ContentCache(Path.of(dir));
        }
        if ("root".equals(System.getProperty("user.name"))) {
            return new ContentCache(Path.of("/var/lib/hearth/images"));
        }
        String data = env.get("XDG_DATA_HOME");
        Path base = data != null && !data.isBlank() ? Path.of(data)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return new ContentCache(base.resolve("hearth").resolve("images"));
    }

    /** The cache folder. */
    public Path root() {
        return root;
    }

    /**
     * Makes the contents of a new entry in {@code out} (an empty folder), with {@code scratch} for its work files;
     * both are removed afterwards, and nothing is published when it throws.
     */
    @FunctionalInterface
    public interface Recipe {
        void build(Path out, Path scratch) throws IOException, InterruptedException;
    }

    /** The entry's folder if it is complete, without building. */
    public java.util.Optional<Path> find(String name, String key) {
        Path entry = root.resolve(name + "-" + key);
        return Files.isDirectory(entry) ? java.util.Optional.of(entry) : java.util.Optional.empty();
    }

    /**
     * The folder of entry {@code name-key}, built by {@code recipe} first when it is missing.
     *
     * @return the complete entry
     */
    public Path ensure(String name, String key, Recipe recipe) throws SandboxException, InterruptedException {
        Path entry = root.resolve(name + "-" + key);
        if (Files.isDirectory(entry)) {
            return entry;
        }
        synchronized (BUILDING.computeIfAbsent(entry.toString(), k -> new Object())) {
            return ensureLocked(name, key, entry, recipe);
        }
    }

    private Path ensureLocked(String name, String key, Path entry, Recipe recipe)
            throws SandboxException, InterruptedException {
        try {
            Files.createDirectories(root);
            try (FileChannel lockFile = FileChannel.open(root.resolve(".lock-" + name + "-" + key),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.isDirectory(entry)) {
                    return entry; // another process built it while we waited for the lock
                }
                Path out = Files.createTempDirectory(root, ".out-" + name + "-" + key + "-");
                Path scratch = Files.createTempDirectory(root, ".work-" + name + "-" + key + "-");
                try {
                    recipe.build(out, scratch);
                    try {
                        Files.move(out, entry, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(out, entry);
                    }
                } finally {
                    deleteTree(scratch);
                    deleteTree(out);
                }
                return entry;
            }
            // The lock file stays: removing it while another process waits on it would let a third one build too.
        } catch (SandboxException e) {
            throw e;
        } catch (IOException e) {
            throw new SandboxException("cannot build " + name + " in the image cache " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * A 16-hex-digit key: the SHA-256 of the recipe's name and each input's hex digest, one per line (the same as
     * {@code printf 'RECIPE\nD1\nD2\n' | sha256sum | cut -c1-16}).
     */
    public static String key(String recipe, String... inputDigests) {
        StringBuilder text = new StringBuilder(recipe).append('\n');
        for (String d : inputDigests) {
            text.append(d).append('\n');
        }
        return digest(text.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** The hex SHA-256 of a file's content, read in a stream (kernel source tarballs are large). */
    public static String fileDigest(Path file) throws SandboxException {
        try (var in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new SandboxException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hex SHA-256 of {@code content}. */
    public static String digest(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes a folder tree, ignoring what is already gone. */
    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
