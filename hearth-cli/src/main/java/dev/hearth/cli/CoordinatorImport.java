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
 * {@code hearth coordinator import}: reads a {@code hearth coordinator export} file into an empty store (a new
 * PostgreSQL database, typically), in one transaction committed only when every table's count matches and the ledger
 * adds up; see {@link StoreDump}.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Reads FILE (from hearth coordinator export) into the store --db or $HEARTH_DB_URL names (else "
                + "DATA/hearth.db), which must be empty; migrates it first.",
            "One transaction: it is committed only when each table's row count matches the export's and the ledger's "
                    + "invariants hold (balances sum to 0, each matches its transfers, escrow matches the holds)."})
@Prints(Prints.Kind.DATA)
final class CoordinatorImport implements Callable<Integer> {

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
    @Option(names = {"-i", "--input"}, paramLabel = "FILE", required = true, description = "The export to read.")
    Path input;

    @Override
    public Integer call() throws IOException {
        Database target = database.database(coordinator.parent.environment(), store.database(coordinator).getParent());
        StoreDump.Counts counts;
        try {
            counts = StoreDump.importInto(input, target);
        } catch (StoreException e) {
            throw new IOException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            JsonOutput.print(out, java.util.Map.of("database", String.valueOf(target), "schemaVersion", counts.schema(),
                    "rows", counts.rows()));
            return 0;
        }
        out.printf("imported %s into %s: schema version %s, %s; ledger checked%n", input, target, counts.schema(),
                counts.rows());
        out.flush();
        return 0;
    }
}
