// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code hearth run} gets a command line with only {@code run} in it and a lone {@code --version} one with no
 * subcommands, each behaving as the full tree does.
 */
class HearthCommandTreeTest {

    @Test
    void runAloneIsBuiltOnlyForRunAndMatchesTheFullTreesRun() {
        CommandLine full = HearthCommand.commandLine(Map.of());
        CommandLine runOnly = HearthCommand.commandLine(Map.of(), new String[] {"run", "--", "true"});
        assertEquals(List.of("run"), List.copyOf(runOnly.getSubcommands().keySet()));
        CommandLine fullRun = full.getSubcommands().get("run");
        CommandLine aloneRun = runOnly.getSubcommands().get("run");
        assertEquals(fullRun.getUsageMessage(CommandLine.Help.Ansi.OFF),
                aloneRun.getUsageMessage(CommandLine.Help.Ansi.OFF));
        assertTrue(aloneRun.isStopAtPositional(), "run's CMD takes everything after its first word");
        // the inherited TLS options reach run as they do in the full tree
        assertEquals(fullRun.getCommandSpec().options().size(), aloneRun.getCommandSpec().options().size());
        assertEquals(full.getExecutionExceptionHandler().getClass(), aloneRun.getExecutionExceptionHandler().getClass());
    }

    @Test
    void aLoneVersionFlagPrintsWhatTheFullTreePrints() {
        for (String flag : List.of("--version", "-V")) {
            CommandLine bare = HearthCommand.commandLine(Map.of(), new String[] {flag});
            assertEquals(List.of(), List.copyOf(bare.getSubcommands().keySet()));
            java.io.StringWriter fromBare = new java.io.StringWriter();
            java.io.StringWriter fromFull = new java.io.StringWriter();
            bare.setOut(new java.io.PrintWriter(fromBare, true));
            CommandLine full = HearthCommand.commandLine(Map.of());
            full.setOut(new java.io.PrintWriter(fromFull, true));
            assertEquals(0, bare.execute(flag));
            assertEquals(0, full.execute(flag));
            assertEquals(fromFull.toString(), fromBare.toString());
            assertTrue(fromBare.toString().startsWith("hearth "), fromBare.toString());
        }
    }

    @Test
    void everythingElseGetsTheFullTree() {
        for (String[] args : List.of(new String[0], new String[] {"--version", "--help"}, new String[] {"help", "run"},
                new String[] {"--tls-ca", "x.pem", "run"}, new String[] {"job", "submit", "--", "run"})) {
            CommandLine cl = HearthCommand.commandLine(Map.of(), args);
            assertEquals(HearthCommand.commandLine(Map.of()).getSubcommands().keySet(), cl.getSubcommands().keySet(),
                    String.join(" ", args));
        }
        assertTrue(HearthCommand.commandLine(Map.of()).getSubcommands().keySet().containsAll(
                List.of("run", "image", "instance", "job", "coordinator", "agent", "completion", "help")));
    }
}
