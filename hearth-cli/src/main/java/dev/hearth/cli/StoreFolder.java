// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --data} option of the coordinator's store commands (a picocli mixin) and where the store lies: the
 * given folder, else the one given to {@code hearth coordinator}, else the default; the file is {@code hearth.db}, as
 * the coordinator opens it. Used by one command at a time.
 */
final class StoreFolder {

    /** The store's file name in the data folder. */
    static final String DATABASE = "hearth.db";

    @Option(names = "--data", paramLabel = "DIR",
            description = "The coordinator's data folder (default: as hearth coordinator: $HEARTH_HOME/coordinator or "
                    + "~/.hearth/coordinator).")
    Path data;

    /**
     * The store's file. SQLite unpacks its native library into the folder, as the coordinator has it, when the
     * folder exists (hardened hosts mount /tmp noexec).
     */
    Path database(CoordinatorCommand coordinator) {
        Path dir = data != null ? data : coordinator.data != null ? coordinator.data
                : HearthPaths.coordinatorData(coordinator.parent.environment());
        if (System.getProperty("org.sqlite.tmpdir") == null && Files.isDirectory(dir)) {
            System.setProperty("org.sqlite.tmpdir", dir.toAbsolutePath().toString());
        }
        return dir.resolve(DATABASE);
    }
}
