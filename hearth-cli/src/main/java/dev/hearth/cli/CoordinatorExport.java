// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.coordinator.store.Database;
import dev.hearth.coordinator.store.StoreException;
import dev.hearth.coordinator.store.sql.StoreDump;
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
 * {@code hearth coordinator export}: every table of a coordinator's store into one file, from one consistent
 * snapshot, for {@code hearth coordinator import} into another (SQLite to PostgreSQL); see {@link StoreDump}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes every table of the coordinator's store (DATA/hearth.db, or --db) into FILE as JSON "
                + "lines, from one consistent snapshot, after checking the ledger adds up.",
            "FILE has mode 600: it holds everything the store does (key hashes, webhook secrets, job specs). Stop the "
                    + "coordinator first when moving it, so that nothing changes after the export."})
@Prints(Prints.Kind.DATA)
final class CoordinatorExport implements Callable<Integer> {

    @ParentCommand
    CoordinatorCommand coordinator;
    @Spec
    CommandSpec spec;
    @Mixin
    StoreFolder store;
    @Mixin
    DatabaseOptions database;
    @Mixin
    JsonOutput json;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true,
            description = "The file to write; it must not exist, its folder must.")
    Path output;

    @Override
    public Integer call() throws IOException {
        Database source = database.database(coordinator.parent.environment(), store.database(coordinator).getParent());
        StoreDump.Counts counts;
        try {
            counts = StoreDump.export(source, output);
        } catch (StoreException e) {
            throw new IOException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            JsonOutput.print(out, java.util.Map.of("database", String.valueOf(source), "schemaVersion", counts.schema(),
                    "rows", counts.rows()));
            return 0;
        }
        out.printf("exported %s into %s: schema version %s, %s%n", source, output, counts.schema(), counts.rows());
        out.flush();
        return 0;
    }
}
