// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.coordinator.store.StoreException;
import dev.hearth.coordinator.store.sql.SqliteBackup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth coordinator backup}: a consistent copy of the coordinator's store in one file, taken while the
 * coordinator runs ({@link SqliteBackup}). Restoring is stopping the coordinator and copying the file back.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Copies the coordinator's store (DATA/hearth.db) into one file, consistently, while the "
                + "coordinator may be running: every transaction committed before the copy began, none half.",
            "The copy has mode 600 (it holds the ledger and key hashes). To restore: stop the coordinator, copy the "
                    + "file to DATA/hearth.db (removing hearth.db-wal and hearth.db-shm), start it."})
@Prints(Prints.Kind.DATA)
final class CoordinatorBackup implements Callable<Integer> {

    @ParentCommand
    CoordinatorCommand coordinator;
    @Spec
    CommandSpec spec;
    @Mixin
    JsonOutput json;

    @Mixin
    StoreFolder store;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true,
            description = "The file to write; its folder must exist.")
    Path output;
    @Option(names = "--force", description = "Replace FILE if it exists (atomically, once the copy is complete).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Path db = store.database(coordinator);
        PrintWriter err = spec.commandLine().getErr();
        err.println("hearth: backing up " + db.toAbsolutePath() + " into " + output.toAbsolutePath() + " ...");
        err.flush();
        SqliteBackup.Copy copy;
        try {
            copy = SqliteBackup.copy(db, "--data", output, "--output", force);
        } catch (StoreException e) {
            throw new IOException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            JsonOutput.print(out, java.util.Map.of("file", copy.file().toString(), "bytes", copy.bytes(),
                    "schemaVersion", copy.schemaVersion(), "tookMillis", copy.took().toMillis()));
        } else {
            out.printf("backed up %s: %d bytes, schema version %s, in %d ms%n", copy.file(), copy.bytes(),
                    copy.schemaVersion(), copy.took().toMillis());
            out.flush();
        }
        return 0;
    }
}
