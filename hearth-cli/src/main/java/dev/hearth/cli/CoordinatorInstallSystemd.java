// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth coordinator install-systemd}: writes the coordinator's unit, as {@code hearth agent install-systemd}
 * does the agent's. The coordinator runs as a dynamic user with its data in systemd's state folder
 * ({@code /var/lib/hearth-coordinator}); flags after {@code --} go on its command line, checked here first.
 */
@Command(name = "install-systemd", mixinStandardHelpOptions = true,
        description = {"Writes a systemd unit that runs the coordinator as an unprivileged dynamic user, data in "
                + "/var/lib/hearth-coordinator, restarted on failure.",
            "Coordinator flags go after --, e.g. -- --listen 0.0.0.0:7070 --tls; more can be set later as "
                    + "HEARTH_COORDINATOR_OPTS in /etc/hearth/coordinator.env.",
            "Then: systemctl daemon-reload && systemctl enable --now hearth-coordinator"})
@Prints(Prints.Kind.MESSAGE)
final class CoordinatorInstallSystemd implements Callable<Integer> {

    @ParentCommand
    CoordinatorCommand coordinator;
    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "/etc/systemd/system/hearth-coordinator.service",
            description = "Where to write the unit (default ${DEFAULT-VALUE}); - prints it.")
    String output;
    @Option(names = "--exec", paramLabel = "PATH",
            description = "The hearth launcher to run, readable by any user, e.g. /opt/hearth/bin/hearth (default: "
                    + "the launcher that runs this command, else this Java and this jar).")
    String exec;
    @Parameters(paramLabel = "FLAG", arity = "0..*", description = "Coordinator flags for the unit's command line.")
    List<String> flags = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        for (String flag : flags) {
            if (flag.equals("--data") || flag.startsWith("--data=")) {
                throw new InvalidInputException("--data", flag, "no --data: the unit keeps the coordinator's data in "
                        + "systemd's state folder /var/lib/hearth-coordinator");
            }
        }
        try {
            new CommandLine(new CoordinatorCommand()).parseArgs(flags.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new InvalidInputException("FLAG", String.join(" ", flags),
                    "flags of 'hearth coordinator' (" + e.getMessage() + ")");
        }
        Map<String, String> env = coordinator.parent.environment();
        List<String> command = new ArrayList<>(SystemdUnit.launcher(exec, env));
        String launcher = command.get(command.size() - 1);
        if (launcher.startsWith("/root/") || launcher.startsWith("/home/")) {
            spec.commandLine().getErr().println("hearth: warning: " + launcher + " is under a home folder, which the "
                    + "coordinator's dynamic user cannot read; install the release under /opt (the .deb does) or "
                    + "pass --exec");
        }
        command.add("coordinator");
        command.addAll(flags);
        return SystemdUnit.write(new SystemdUnit(SystemdUnit.Role.COORDINATOR, command, Map.of()), output,
                spec.commandLine());
    }
}
