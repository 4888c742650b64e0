// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hearth manual --output DIR}: writes every command's {@code --help} as a man page ({@code man1/hearth-agent.1})
 * and as plain text ({@code help/hearth-agent.txt}), for the release tarball and the .deb. Hidden: it is for the
 * release build ({@code scripts/release}), not for users.
 */
@Command(name = "manual", hidden = true, mixinStandardHelpOptions = true,
        description = "Writes each command's help as man pages (DIR/man1) and text (DIR/help).")
@Prints(Prints.Kind.STREAM)
final class ManualCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", required = true, description = "Folder to write into.")
    Path output;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(output.resolve("man1"));
        Files.createDirectories(output.resolve("help"));
        CommandLine root = spec.root().commandLine();
        String version = BuildInfo.current().version();
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        for (CommandLine cl : all) {
            if (cl.getCommandSpec().usageMessage().hidden() || cl.getCommandName().equals("help")) {
                continue;
            }
            String name = cl.getCommandSpec().qualifiedName("-");
            String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            Files.writeString(output.resolve("help").resolve(name + ".txt"), usage);
            Files.writeString(output.resolve("man1").resolve(name + ".1"), manPage(name, cl, usage, version));
        }
        spec.commandLine().getErr().println("hearth: wrote " + all.size() + " commands' help to " + output);
        return 0;
    }

    private static void collect(CommandLine cl, List<CommandLine> into) {
        into.add(cl);
        cl.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    /** A man page (roff) whose description is the command's usage text, set verbatim. */
    static String manPage(String name, CommandLine cl, String usage, String version) {
        String[] description = cl.getCommandSpec().usageMessage().description();
        String summary = description.length == 0 ? "a Hearth command" : description[0];
        StringBuilder b = new StringBuilder();
        b.append(".TH ").append(name.toUpperCase(java.util.Locale.ROOT)).append(" 1 \"\" \"hearth ")
                .append(escape(version)).append("\" \"Hearth manual\"\n");
        b.append(".SH NAME\n").append(name).append(" \\- ").append(escape(summary)).append('\n');
        b.append(".SH DESCRIPTION\n.nf\n");
        for (String line : usage.split("\n", -1)) {
            String e = escape(line);
            b.append(e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e).append('\n');
        }
        b.append(".fi\n.SH SEE ALSO\nhearth(1); docs/operations.md in the release's share/doc/hearth\n");
        return b.toString();
    }

    private static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }
}
