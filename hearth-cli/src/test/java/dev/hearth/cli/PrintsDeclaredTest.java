// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

@DisplayName("Every command says what it prints, and every command that prints data has --json")
class PrintsDeclaredTest {

    @Test
    @DisplayName("each runnable command carries @Prints; each DATA command has --json, and only those have it")
    void everyDataCommandHasJson() {
        List<String> problems = new ArrayList<>();
        walk(HearthCommand.commandLine(Map.of()), problems);
        assertThat(problems).as("commands that do not say what they print, or print data without --json").isEmpty();
    }

    private static void walk(CommandLine cl, List<String> problems) {
        Object command = cl.getCommandSpec().userObject();
        boolean runs = command instanceof Callable<?> || command instanceof Runnable;
        if (runs && command.getClass().getPackageName().equals(HearthCommand.class.getPackageName())) {
            String name = cl.getCommandSpec().qualifiedName();
            Prints prints = command.getClass().getAnnotation(Prints.class);
            boolean json = cl.getCommandSpec().findOption("--json") != null;
            if (prints == null) {
                problems.add(name + ": no @Prints (say what it prints on standard output)");
            } else if (prints.value() == Prints.Kind.DATA && !json) {
                problems.add(name + ": @Prints(DATA) without --json (add @Mixin JsonOutput)");
            } else if (prints.value() != Prints.Kind.DATA && json) {
                problems.add(name + ": --json on a command not declared @Prints(DATA)");
            }
        }
        cl.getSubcommands().values().forEach(sub -> walk(sub, problems));
    }
}
