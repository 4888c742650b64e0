// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.host.HostSettings;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hearth} command: its subcommands and how errors are shown. */
@Command(name = "hearth", mixinStandardHelpOptions = true, versionProvider = HearthCommand.Version.class,
        description = "Runs untrusted workloads in strong isolation: jobs in sandboxes, with proofs.")
public final class HearthCommand {

    /**
     * The subcommands, in the order help lists them. Added in {@link #commandLine} rather than named in the
     * annotation, so that {@code hearth run} can skip building the others' models (picocli reflects over every
     * subcommand it is given, loading their classes: a large share of a cold start).
     */
    private static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, ImageCommand.class,
            InstanceCommand.class, JobCommand.class, NodeCommand.class, TokenCommand.class, ClientCommand.class,
            KeyCommand.class, AuditCommand.class, LedgerCommand.class, CoordinatorCommand.class, AgentCommand.class,
            ResidentCommand.class,
            DoctorCommand.class, VerifyCommand.class, CompletionCommand.class, ManualCommand.class,
            CommandLine.HelpCommand.class);

    private final Map<String, String> environment;
    /** In a resident process: its host runtimes and warm pools, lent to each {@code run}; else null. */
    private final HostRuntimes residentHost;
    private final dev.hearth.sandbox.WarmPoolDriver residentPools;

    private HearthCommand(Map<String, String> environment) {
        this(environment, null, null);
    }

    private HearthCommand(Map<String, String> environment, HostRuntimes residentHost,
            dev.hearth.sandbox.WarmPoolDriver residentPools) {
        this.environment = Map.copyOf(environment);
        this.residentHost = residentHost;
        this.residentPools = residentPools;
    }

    /** A lent view of the resident's host runtimes when this command runs inside {@code hearth resident}. */
    java.util.Optional<HostRuntimes> residentHost() {
        return java.util.Optional.ofNullable(residentHost).map(HostRuntimes::lent);
    }

    /** The resident's warm pools when this command runs inside {@code hearth resident}. */
    java.util.Optional<dev.hearth.sandbox.WarmPoolDriver> residentPools() {
        return java.util.Optional.ofNullable(residentPools);
    }

    /**
     * The command line a resident process runs one client's {@code hearth run} with: only {@code run}, reading
     * the client's {@code environment}, its jobs of the pools' runtime made through {@code pools} (never closed by
     * a run).
     */
    static CommandLine residentCommandLine(Map<String, String> environment, HostRuntimes host,
            dev.hearth.sandbox.WarmPoolDriver pools) {
        return configured(new HearthCommand(environment, host, pools), List.of(RunCommand.class));
    }

    @picocli.CommandLine.Option(names = "--tls-fingerprint", scope = CommandLine.ScopeType.INHERIT,
            paramLabel = "SHA256", description = "Trust an https:// coordinator whose certificate has this SHA-256 "
                    + "fingerprint, as it printed at start (or HEARTH_TLS_FINGERPRINT).")
    String tlsFingerprint;

    @picocli.CommandLine.Option(names = "--tls-ca", scope = CommandLine.ScopeType.INHERIT, paramLabel = "PEM",
            description = "Trust an https:// coordinator whose certificate this PEM CA file issued (or HEARTH_TLS_CA).")
    String tlsCa;

    @picocli.CommandLine.Option(names = "--insecure-http", scope = CommandLine.ScopeType.INHERIT,
            description = "Send the key over plain http:// to a coordinator that is not on loopback "
                    + "(or HEARTH_INSECURE_HTTP=1).")
    boolean insecureHttp;

    /**
     * The environment the command reads its HN_* and DOCKER_HOST settings and secrets from, with the global TLS
     * flags folded in as the HEARTH_TLS_* and HEARTH_INSECURE_HTTP variables they stand for.
     */
    Map<String, String> environment() {
        if (tlsFingerprint == null && tlsCa == null && !insecureHttp) {
            return environment;
        }
        Map<String, String> env = new java.util.HashMap<>(environment);
        if (tlsFingerprint != null) {
            env.put("HEARTH_TLS_FINGERPRINT", tlsFingerprint);
        }
        if (tlsCa != null) {
            env.put("HEARTH_TLS_CA", tlsCa);
        }
        if (insecureHttp) {
            env.put("HEARTH_INSECURE_HTTP", "1");
        }
        return Map.copyOf(env);
    }

    /**
     * This host with Docker only: the engine DOCKER_HOST names in this command's environment (or the default socket),
     * pulling as HEARTH_ALLOWED_IMAGES allows; in a resident that offers Docker, a lent view of its own.
     */
    HostRuntimes host() throws SandboxException, InterruptedException {
        if (residentHost != null && residentHost.offered().contains("docker")) {
            return residentHost.lent();
        }
        return HostRuntimes.open(HostSettings.docker(environment), BuildProgress.silent());
    }

    /** The command line of this process, reading the process's environment. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /**
     * The command line for {@code args} of this process: when they start with {@code run}, one that holds only
     * the {@code run} subcommand (it parses and runs exactly as in the full tree, with less to load); for a lone
     * {@code --version} or {@code -V}, one with no subcommands; otherwise the full tree of
     * {@link #commandLine(Map)}.
     */
    static CommandLine commandLine(Map<String, String> environment, String[] args) {
        if (args.length > 0 && args[0].equals("run")) {
            return configured(environment, List.of(RunCommand.class));
        }
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return configured(environment, List.of());
        }
        return commandLine(environment);
    }

    /** A configured command line: usage errors exit 2, engine errors print one line and exit 125. */
    public static CommandLine commandLine(Map<String, String> environment) {
        return configured(environment, SUBCOMMANDS);
    }

    private static CommandLine configured(Map<String, String> environment, List<Class<?>> subcommands) {
        return configured(new HearthCommand(environment), subcommands);
    }

    private static CommandLine configured(HearthCommand root, List<Class<?>> subcommands) {
        CommandLine cl = new CommandLine(root);
        for (Class<?> subcommand : subcommands) {
            cl.addSubcommand(subcommand);
        }
        // Everything after the command's first word belongs to the job, as with docker run.
        Map<String, CommandLine> sub = cl.getSubcommands();
        if (sub.containsKey("run")) {
            sub.get("run").setStopAtPositional(true);
        }
        if (sub.containsKey("job")) {
            sub.get("job").getSubcommands().get("submit").setStopAtPositional(true);
            sub.get("instance").getSubcommands().get("shell").setStopAtPositional(true);
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof InvalidInputException bad) {
                commandLine.getErr().println("hearth: " + bad.getMessage());
                return ExitCodes.USAGE;
            }
            if (e instanceof CoordinatorClient.CoordinatorError refused) {
                commandLine.getErr().println("hearth: " + refused.getMessage());
                return refused.status() == 400 || refused.status() == 404 ? ExitCodes.USAGE : 1; // 402/409: refused, 1
            }
            if (e instanceof dev.hearth.client.HearthApiException refused) {
                commandLine.getErr().println("hearth: " + refused.getMessage());
                return refused.status() == 400 || refused.status() == 404 ? ExitCodes.USAGE : 1;
            }
            if (e instanceof java.io.IOException io && !(e instanceof SandboxException)) {
                commandLine.getErr().println("hearth: " + io.getMessage());
                return 1;
            }
            if (e instanceof SandboxException engine) {
                commandLine.getErr().println("hearth: " + engine.getMessage());
                return ExitCodes.ENGINE;
            }
            throw e;
        });
        return cl;
    }

    /** The version of this build, as the agent reports it: the project version and its git commit. */
    static String versionText() {
        return BuildInfo.current().agentVersion();
    }

    /** Prints the version and the git commit stamped into the build ({@link BuildInfo}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildInfo.current().versionLines();
        }
    }
}
