// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

@DisplayName("The command line: every option and parameter described; shell completion for bash and zsh")
class CommandDescriptionsTest {

    @Test
    @DisplayName("every option and positional parameter of every command has a description")
    void everyOptionDescribed() {
        List<String> missing = new ArrayList<>();
        walk(HearthCommand.commandLine(Map.of()), missing);
        assertThat(missing).as("options and parameters without a description").isEmpty();
    }

    private static void walk(CommandLine cl, List<String> missing) {
        for (ArgSpec a : cl.getCommandSpec().args()) {
            String[] d = a.description();
            if (d == null || d.length == 0 || String.join("", d).isBlank()) {
                missing.add(cl.getCommandSpec().qualifiedName() + " " + (a instanceof OptionSpec o ? o.longestName()
                        : a.paramLabel()));
            }
        }
        cl.getSubcommands().values().forEach(sub -> walk(sub, missing));
    }

    @Test
    @DisplayName("hearth completion bash and zsh print a script naming the commands and options; fish is refused")
    void completion() {
        CliRun bash = CliRun.of(Map.of(), "completion", "bash");
        assertThat(bash.exit()).as(bash.err()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("instance").contains("--follow");
        CliRun zsh = CliRun.of(Map.of(), "completion", "zsh");
        assertThat(zsh.exit()).isZero();
        assertThat(zsh.out()).startsWith("autoload -U +X compinit").contains("bashcompinit").contains("complete -F");
        CliRun fish = CliRun.of(Map.of(), "completion", "fish");
        assertThat(fish.exit()).isEqualTo(2);
        assertThat(fish.err()).contains("SHELL").contains("bash or zsh");
    }
}
