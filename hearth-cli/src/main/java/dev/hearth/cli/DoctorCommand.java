// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.cli.doctor.Host;
import dev.hearth.cli.doctor.HostCheck;
import dev.hearth.cli.doctor.HostChecks;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.ByteSize;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.sandbox.image.ContentCache;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth doctor}: checks that this host has what Hearth needs and says what to fix. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Checks this host: Java, the Docker engine, cgroups, network tools, KVM, QEMU, Firecracker, "
                + "the hearth-vm user, free disk and the ports Hearth listens on; says for each problem what to do.",
            "Exits 0 when nothing failed (warnings allowed), 1 when a check failed."})
@Prints(Prints.Kind.DATA)
final class DoctorCommand implements Callable<Integer> {

    @ParentCommand
    HearthCommand parent;
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the checks as JSON: {\"ok\": BOOL, \"checks\": [{name, status "
            + "(ok|warn|fail), detail, fix}]}.")
    boolean json;
    @Option(names = "--microvm", description = "MicroVM sandboxes are wanted here: a missing QEMU or hearth-vm user "
            + "fails instead of warning.")
    boolean microvm;
    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7070",
            description = "The coordinator's address to check is free (default: ${DEFAULT-VALUE}).")
    String listen;
    @Option(names = "--health-port", paramLabel = "PORT", defaultValue = "7071",
            description = "The agent's local health port to check is free (default: ${DEFAULT-VALUE}).")
    int healthPort;
    @Option(names = "--no-ports", description = "Skip the port checks (on a host whose coordinator and agent run).")
    boolean noPorts;
    @Option(names = "--min-free", paramLabel = "SIZE", defaultValue = "2g",
            description = "Free space below which a data folder fails (default: ${DEFAULT-VALUE}).")
    String minFree;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = parent.environment();
        Map<String, Path> dirs = new LinkedHashMap<>();
        dirs.put("coordinator", HearthPaths.coordinatorData(env));
        dirs.put("agent", HearthPaths.agentState(env));
        dirs.put("images", ContentCache.fromEnvironment(env).root());
        Map<String, InetSocketAddress> ports = new LinkedHashMap<>();
        if (!noPorts) {
            ports.put("coordinator", address());
            if (healthPort < 1 || healthPort > 65535) {
                throw new InvalidInputException("--health-port", String.valueOf(healthPort), "a port, 1..65535");
            }
            ports.put("agent", new InetSocketAddress("127.0.0.1", healthPort));
        }
        long floor = ByteSize.parse("--min-free", minFree).bytes();
        Host host = Host.of(env, dirs, floor, ports, microvm);
        List<HostCheck> checks = HostChecks.run(host, () -> {
            try (HostRuntimes runtimes = parent.host()) {
                return runtimes.dockerVersion();
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(HostChecks.asJson(checks)));
        } else {
            for (HostCheck c : checks) {
                out.printf("%-5s %-18s %s%n", c.status().name().toLowerCase(java.util.Locale.ROOT), c.name(), c.detail());
                if (!c.fix().isEmpty()) {
                    out.printf("%-5s %-18s fix: %s%n", "", "", c.fix());
                }
            }
            long failed = checks.stream().filter(c -> c.status() == HostCheck.Status.FAIL).count();
            long warned = checks.stream().filter(c -> c.status() == HostCheck.Status.WARN).count();
            out.println(failed == 0 ? "hearth doctor: this host can run Hearth (" + warned + " warning(s))"
                    : "hearth doctor: " + failed + " check(s) failed, " + warned + " warning(s): fix them as shown");
        }
        out.flush();
        return HostChecks.passed(checks) ? 0 : 1;
    }

    private InetSocketAddress address() {
        int colon = listen.lastIndexOf(':');
        try {
            int port = Integer.parseInt(listen.substring(colon + 1));
            if (colon > 0 && port >= 1 && port <= 65535) {
                return new InetSocketAddress(listen.substring(0, colon), port);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("--listen", listen, "HOST:PORT such as 127.0.0.1:7070 (port 1..65535)");
    }
}
