// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The agent's state folder: its key and its outbox live there, readable by its owner only. */
final class StateFolder {

    private StateFolder() {
    }

    /** Creates {@code dir} with mode 700 when absent. */
    static void ensure(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
    }
}
