// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hearth completion bash|zsh}: prints a shell completion script for every command and option, made by
 * picocli's generator from the command model itself (so it never falls behind the commands). zsh runs the same
 * script through its {@code bashcompinit}.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Prints a shell completion script.",
                "bash: source <(hearth completion bash)   (or save it in /etc/bash_completion.d/hearth)",
                "zsh:  source <(hearth completion zsh)    (e.g. in ~/.zshrc)"})
@Prints(Prints.Kind.STREAM)
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    String shell;

    @Override
    public Integer call() {
        String s = shell.toLowerCase(Locale.ROOT);
        if (!s.equals("bash") && !s.equals("zsh")) {
            throw new dev.hearth.core.InvalidInputException("SHELL", shell, "bash or zsh");
        }
        String script = AutoComplete.bash("hearth", spec.root().commandLine());
        if (s.equals("zsh")) {
            // picocli's script detects zsh and uses bash's completion API through zsh's bashcompinit
            script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
