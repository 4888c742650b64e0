// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removal of the files and folders a VM launch made, for cleanup paths that must not throw. */
final class FileTree {

    private static final Logger log = LoggerFactory.getLogger(FileTree.class);

    private FileTree() {
    }

    /** Deletes a file or an empty folder; a failure is logged, since cleanup must go on with the rest. */
    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove {} after its VM: {}", path, e.toString());
        }
    }

    /**
     * Deletes a folder and everything in it, never following symbolic links out of it (a link is removed, not its
     * target). Logs what it could not delete.
     */
    static void deleteTreeQuietly(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    deleteQuietly(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                    deleteQuietly(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("could not remove {} after its VM: {}", root, e.toString());
        }
    }
}
