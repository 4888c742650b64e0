// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.coordinator.store.StoreException;
import dev.hearth.coordinator.store.sql.SqliteSchema;
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
 * {@code hearth coordinator migrate}: brings the store's schema up to date without starting the coordinator
 * ({@link SqliteSchema}), or with {@code --dry-run} only shows what is pending.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Applies the store's pending schema migrations without starting the coordinator (which applies "
                + "them on start too) and prints the schema version before and after.",
            "Take a backup first (hearth coordinator backup). A missing store is created, mode 600."})
@Prints(Prints.Kind.DATA)
final class CoordinatorMigrate implements Callable<Integer> {

    @ParentCommand
    CoordinatorCommand coordinator;
    @Spec
    CommandSpec spec;
    @Mixin
    JsonOutput json;

    @Mixin
    StoreFolder store;
    @Option(names = "--dry-run", description = "Only show the version and the pending migrations; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws IOException {
        Path file = store.database(coordinator);
        SqliteSchema.Report report;
        try {
            report = dryRun ? SqliteSchema.inspect(file) : SqliteSchema.migrate(file);
        } catch (StoreException e) {
            throw new IOException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.on()) {
            JsonOutput.print(out, report);
            return 0;
        }
        out.println("store: " + file.toAbsolutePath());
        out.println("schema version before: " + report.before() + ", after: " + report.after());
        for (SqliteSchema.Migration m : report.applied()) {
            out.println("applied V" + m.version() + " " + m.description());
        }
        for (SqliteSchema.Migration m : report.pending()) {
            out.println("pending V" + m.version() + " " + m.description());
        }
        if (report.applied().isEmpty() && report.pending().isEmpty()) {
            out.println("up to date");
        }
        out.flush();
        return 0;
    }
}
