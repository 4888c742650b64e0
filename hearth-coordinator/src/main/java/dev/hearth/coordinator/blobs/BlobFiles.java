// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Content-addressed files under one folder: {@code sha256/<2 hex>/<64 hex>}, each written once through a temporary
 * file in {@code tmp/} while its SHA-256 is computed, and moved into place only when it hashes to what the caller
 * named. Thread-safe: a file is made whole before it is visible, and {@link #delete} and the final move of
 * {@link #receive} exclude each other, so a sweep never removes a file a new upload just committed.
 */
public final class BlobFiles {

    /** What a write refused. */
    public static final class Refused extends Exception {
        private final boolean tooLarge;
        private final String actual;

        private Refused(boolean tooLarge, String actual, String message) {
            super(message);
            this.tooLarge = tooLarge;
            this.actual = actual;
        }

        /** Whether the stream ran past the size limit (else its hash differed). */
        public boolean tooLarge() {
            return tooLarge;
        }

        /** The digest the bytes had, when the hash differed. */
        public String actual() {
            return actual;
        }
    }

    private final Path root;
    private final Path tmp;
    private final ReentrantLock commits = new ReentrantLock();

    /**
     * The store in {@code root} (made when absent; temporary files a crash left behind are removed).
     *
     * @throws IOException when the folders cannot be made
     */
    public BlobFiles(Path root) throws IOException {
        this.root = root;
        this.tmp = root.resolve("tmp");
        Files.createDirectories(root.resolve("sha256"));
        Files.createDirectories(tmp);
        try (var left = Files.list(tmp)) {
            for (Path p : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Where the content of {@code hex} lies. */
    private Path file(String hex) {
        return root.resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex);
    }

    /** The file holding {@code digest}'s bytes, when it is stored. */
    public Optional<Path> find(String digest) {
        Path p = file(hex(digest));
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Streams {@code in} to disk, at most {@code maxBytes} of it, and keeps it as {@code digest} when it hashes to
     * it; nothing is kept otherwise. {@code committed} is told the size once the file is in place, under the lock
     * {@link #delete} takes (so the row that keeps the file is written before any sweep can look).
     *
     * @return the number of bytes stored
     * @throws Refused when the stream is longer than {@code maxBytes} or hashes to another digest
     * @throws IOException when reading or writing fails
     */
    public long receive(InputStream in, String digest, long maxBytes, java.util.function.LongConsumer committed)
            throws IOException, Refused {
        Path part = Files.createTempFile(tmp, "upload", ".part");
        try {
            MessageDigest sha = sha256();
            long size = 0;
            byte[] buf = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(part)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    size += n;
                    if (size > maxBytes) {
                        throw new Refused(true, null, "more than " + maxBytes + " bytes");
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(digest)) {
                throw new Refused(false, actual, "the body hashes to " + actual + ", not " + digest);
            }
            commit(part, file(hex(digest)), size, committed);
            return size;
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private void commit(Path part, Path target, long size, java.util.function.LongConsumer committed)
            throws IOException {
        commits.lock();
        try {
            Files.createDirectories(target.getParent());
            if (!Files.exists(target)) { // else the same bytes are there, by their hash
                try {
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            committed.accept(size);
        } finally {
            commits.unlock();
        }
    }

    /**
     * Deletes {@code digest}'s file when {@code stillUnused} says, under the commit lock, that nothing holds it.
     *
     * @return whether a file was deleted
     */
    public boolean delete(String digest, java.util.function.BooleanSupplier stillUnused) throws IOException {
        commits.lock();
        try {
            return stillUnused.getAsBoolean() && Files.deleteIfExists(file(hex(digest)));
        } finally {
            commits.unlock();
        }
    }

    private static String hex(String digest) {
        return dev.hearth.core.job.BlobRef.checkDigest("digest", digest).substring("sha256:".length());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
