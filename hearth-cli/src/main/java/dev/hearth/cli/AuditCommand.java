// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static dev.hearth.cli.Table.Column.free;
import static dev.hearth.cli.Table.Column.keep;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth audit list}: admin actions and refused requests (admin). */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Shows the audit trail (admin).",
        subcommands = {AuditCommand.ListEvents.class})
final class AuditCommand {

    @ParentCommand
    HearthCommand parent;

    /** {@code hearth audit list [--limit N]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the latest audit events, oldest first: who, what, when, outcome.")
    @Prints(Prints.Kind.DATA)
    static final class ListEvents extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        AuditCommand audit;
        @Option(names = "--limit", defaultValue = "100", paramLabel = "N",
                description = "Show at most N events, newest first (default ${DEFAULT-VALUE}).") int limit;

        @Override
        public Integer call() throws Exception {
            var env = audit.parent.environment();
            show(spec.commandLine().getOut(), env, json, client(env).get("/v1/audit?limit=" + limit), "events",
                    keep("at"), keep("actor"), keep("action"), keep("outcome"), free("detail"));
            return 0;
        }
    }
}
