// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.instances.InstanceSupervisor;
import dev.hearth.agent.hypernode.HypernodeAgent;
import dev.hearth.agent.instances.Instances;
import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.agent.node.HealthServer;
import dev.hearth.agent.node.NodeAgent;
import dev.hearth.core.protocol.HostInfo;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.host.HostSettings;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.PoolSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth agent}: runs this host's agent until SIGTERM, or with {@code --health} asks a running agent whether
 * it is healthy.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = AgentCommand.InstallSystemd.class,
        description = {"Runs the host agent: connects to the coordinator, registers this host, and runs its jobs.",
            "The node token comes from HN_NODE_TOKEN or --token-file (never a flag: flags show in process lists).",
            "Settings: flags, then the original agent's HN_* variables, then --config FILE (key = value lines "
                    + "named like the flags), then defaults.",
            "SIGTERM drains: no new jobs, running ones get --drain-grace to finish, then are cancelled and reported."})
@Prints(Prints.Kind.SERVICE)
final class AgentCommand implements Callable<Integer> {

    @ParentCommand
    HearthCommand parent;
    @Spec
    CommandSpec spec;

    @Option(names = "--health", description = "Ask the agent running with this state folder whether it is healthy "
            + "(registered with the coordinator, engine reachable); exit 0 if so, 1 if not.")
    boolean health;
    @Option(names = "--protocol", paramLabel = "PROTOCOL", description = "What to speak to the coordinator: hearth "
            + "(Hearth's own, the default) or hypernode-v2 (to a Hypernode v2.0 backend, in place of the original "
            + "Python agent; jobs still run in Hearth's sandboxes, without network) (HN_PROTOCOL).")
    String protocol;
    @Option(names = "--coordinator", paramLabel = "URL",
            description = "Coordinator endpoint, ws://HOST:PORT (HN_ENDPOINT; default ws://127.0.0.1:7070); several, "
                    + "comma-separated, for coordinators sharing one database: the agent moves to the next when its "
                    + "coordinator goes away.")
    String coordinator;
    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the node token.")
    String tokenFile;
    @Option(names = "--config", paramLabel = "FILE", description = "Config file of key = value lines.")
    Path config;
    @Option(names = "--state", paramLabel = "DIR",
            description = "State folder: node key, result outbox (default: $HEARTH_HOME/agent or ~/.hearth/agent).")
    Path state;
    @Option(names = "--slots", paramLabel = "N", description = "Jobs run at once (default: the host's CPUs).")
    String slots;
    @Option(names = "--heartbeat-interval", paramLabel = "DURATION",
            description = "Heartbeat interval (HN_HEARTBEAT_INTERVAL; default 10s).")
    String heartbeatInterval;
    @Option(names = "--job-timeout", paramLabel = "DURATION",
            description = "Longest a job may run here (HN_JOB_TIMEOUT; default 300s).")
    String jobTimeout;
    @Option(names = "--max-log-size", paramLabel = "CHARS",
            description = "Characters of output kept per result (HN_MAX_LOG_SIZE; default 10000).")
    String maxLogSize;
    @Option(names = "--reconnect-delay", paramLabel = "DURATION",
            description = "First reconnect delay, doubled per failure with jitter (HN_RECONNECT_DELAY; default 5s).")
    String reconnectDelay;
    @Option(names = "--reconnect-max", paramLabel = "DURATION",
            description = "Largest reconnect delay (HN_RECONNECT_MAX; default 60s).")
    String reconnectMax;
    @Option(names = "--health-port", paramLabel = "PORT",
            description = "Local port of /healthz and /metrics on 127.0.0.1 (HN_HEALTH_PORT; default 7071; 0: any).")
    String healthPort;
    @Option(names = "--metrics-address", paramLabel = "HOST:PORT", description = "Also serve /metrics (only) here, "
            + "for a Prometheus on another host, e.g. 0.0.0.0:9464 (HN_METRICS_ADDRESS; default: none, /metrics is "
            + "on the loopback health port only).")
    String metricsAddress;
    @Option(names = "--drain-grace", paramLabel = "DURATION",
            description = "Time running jobs get to finish after SIGTERM (HN_DRAIN_GRACE; default 60s).")
    String drainGrace;
    @Option(names = "--allowed-images", paramLabel = "PATTERNS", description = "Images jobs and instances may pull: "
            + "comma-separated registry/, registry/path/* or registry/repository patterns (HEARTH_ALLOWED_IMAGES; "
            + "default: any image, anonymously).")
    String allowedImages;
    @Option(names = "--registry-credentials", paramLabel = "REGISTRIES", description = "Registries whose credentials "
            + "from the Docker config go with pulls (HEARTH_REGISTRY_CREDENTIALS; default: none).")
    String registryCredentials;
    @Option(names = "--pull-timeout", paramLabel = "DURATION",
            description = "Deadline of one image pull (HEARTH_PULL_TIMEOUT; default 10m).")
    String pullTimeout;
    @Option(names = "--runtimes", paramLabel = "LIST", description = "Sandbox runtimes this node offers the "
            + "coordinator's jobs: comma-separated docker, qemu (QEMU microVMs; the guest image from "
            + "'hearth image build-vm') and firecracker (default: docker). The inventory carries them and the "
            + "scheduler sends a job only to a node offering its runtime (config file: runtimes = docker,qemu).")
    String runtimes;
    /** Warm pools for jobs on docker and qemu: off unless --pool-size (or the config file's pool-size) is above 0. */
    @Mixin
    PoolOptions poolOptions;
    @Option(names = "--vm-templates", description = "Start each QEMU job VM from a saved template of its shape "
            + "instead of booting it or taking it from a warm pool: one VM per image and limits is booted and saved, "
            + "each job's VM is restored from it with a random seed and clock of its own. Jobs with a network, a "
            + "writable root or over 64 KiB of files boot cold. Needs qemu in --runtimes (config file: "
            + "vm-templates = on).")
    boolean vmTemplates;

    @Override
    public Integer call() throws Exception {
        Path stateDir = state != null ? state : HearthPaths.agentState(parent.environment());
        if (health) {
            return checkHealth(stateDir);
        }
        Map<AgentConfig.Key, String> flags = new EnumMap<>(AgentConfig.Key.class);
        put(flags, AgentConfig.Key.ENDPOINT, coordinator);
        put(flags, AgentConfig.Key.TOKEN_FILE, tokenFile);
        put(flags, AgentConfig.Key.SLOTS, slots);
        put(flags, AgentConfig.Key.HEARTBEAT_INTERVAL, heartbeatInterval);
        put(flags, AgentConfig.Key.JOB_TIMEOUT, jobTimeout);
        put(flags, AgentConfig.Key.MAX_LOG_SIZE, maxLogSize);
        put(flags, AgentConfig.Key.RECONNECT_DELAY, reconnectDelay);
        put(flags, AgentConfig.Key.RECONNECT_MAX, reconnectMax);
        put(flags, AgentConfig.Key.HEALTH_PORT, healthPort);
        put(flags, AgentConfig.Key.DRAIN_GRACE, drainGrace);
        put(flags, AgentConfig.Key.METRICS_ADDRESS, metricsAddress);
        put(flags, AgentConfig.Key.POOL_SIZE, poolOptions.size);
        put(flags, AgentConfig.Key.POOL_IDLE, poolOptions.idle);
        put(flags, AgentConfig.Key.RUNTIMES, runtimes);
        put(flags, AgentConfig.Key.VM_TEMPLATES, vmTemplates ? "on" : null);
        AgentConfig cfg = AgentConfig.resolve(flags, parent.environment(), config, stateDir, HostInventory.cpus());
        PoolSettings pools = cfg.pools();
        List<String> offered = cfg.runtimes();
        ServiceLogging.infoUnlessSet(parent.environment());
        if (hypernodeV2()) {
            if (!offered.equals(AgentConfig.DEFAULT_RUNTIMES)) {
                throw new dev.hearth.core.InvalidInputException(runtimes != null ? "--runtimes" : config + ": runtimes",
                        String.join(",", offered), "docker only with --protocol hypernode-v2 (its jobs carry no runtime)");
            }
            return runHypernodeV2(cfg, pools);
        }
        NodeIdentity identity = NodeIdentity.loadOrCreate(stateDir);
        Outbox outbox = Outbox.open(stateDir);
        HostRuntimes hostRuntimes = HostRuntimes.open(hostSettings(offered),
                new ConsoleProgress(spec.commandLine().getErr(), false));
        boolean docker = offered.contains("docker");
        HostInfo host = new HostInventory(new NvidiaSmi()).read(offered,
                docker ? hostRuntimes.dockerVersion() : null, HearthCommand.versionText());
        // instances run on Docker's engine and the VMMs: a node offering no docker runs none
        Instances hostInstances = docker ? openInstances(hostRuntimes) : null;
        // the agent reports the instances to the coordinator and runs its instance commands on them
        // jobs on docker and qemu take a warm sandbox their pool keeps, when one matches; closing the agent drains them
        NodeAgent agent = new NodeAgent(cfg, hostRuntimes.jobDrivers(pools, cfg.vmTemplates()), identity, outbox, host,
                InstantSource.system(), hostInstances);
        InstanceSupervisor instances = superviseInstances(hostInstances);
        HealthServer healthServer = HealthServer.start(agent, cfg.healthPort(), stateDir, cfg.metricsAddress());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                agent.drain(cfg.drainGrace());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                agent.close();
                if (instances != null) {
                    instances.close();
                }
                healthServer.close();
                stopped.countDown();
            }
        }, "hearth-agent-drain"));
        agent.start();
        spec.commandLine().getErr().printf("hearth: agent running (coordinator %s, %d slots, %s, state %s, health "
                + "http://127.0.0.1:%d/healthz)%n", cfg.endpoints().stream().map(URI::toString)
                        .collect(java.util.stream.Collectors.joining(", ")), cfg.slots(),
                poolsText(pools) + (cfg.vmTemplates() ? ", QEMU jobs from saved templates" : ""), stateDir,
                healthServer.port());
        spec.commandLine().getErr().flush();
        stopped.await();
        return 0;
    }

    /**
     * The host jobs run on: the runtimes {@code offered}, Docker pulling as --allowed-images, --registry-credentials
     * and --pull-timeout say, microVMs on Hearth's bridge set up by the first job with network nat, the guest image
     * from the image cache (refused, with what to run, when it was never built).
     */
    private HostSettings hostSettings(List<String> offered) {
        Map<String, String> env = new java.util.HashMap<>(parent.environment());
        put(env, HostSettings.ALLOWED_IMAGES, allowedImages);
        put(env, HostSettings.REGISTRY_CREDENTIALS, registryCredentials);
        put(env, HostSettings.PULL_TIMEOUT, pullTimeout);
        return new HostSettings(offered, env, java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                HostSettings.Networking.ON_FIRST_USE, false);
    }

    /** The pools as the start line tells them: "no warm pools", or their size and idle limit. */
    private static String poolsText(PoolSettings pools) {
        return pools.size() == 0 ? "no warm pools" : "warm pools of " + pools.size() + ", idle limit "
                + dev.hearth.core.units.DurationText.format(pools.idleLimit());
    }

    /** Whether --protocol (or HN_PROTOCOL) asks for Hypernode v2.0. */
    private boolean hypernodeV2() {
        String source = protocol != null ? "--protocol" : "HN_PROTOCOL";
        String value = protocol != null ? protocol : parent.environment().get("HN_PROTOCOL");
        if (value == null || value.isBlank() || "hearth".equals(value.strip())) {
            return false;
        }
        if ("hypernode-v2".equals(value.strip())) {
            return true;
        }
        throw new dev.hearth.core.InvalidInputException(source, value, "hearth (the default) or hypernode-v2");
    }

    /**
     * The agent as a drop-in for the original Python agent on a Hypernode v2.0 network: the endpoint as HN_ENDPOINT
     * (or --coordinator) gives it, else the original's default; no node key, outbox, instances or health port.
     */
    private int runHypernodeV2(AgentConfig cfg, PoolSettings pools) throws Exception {
        String given = coordinator != null ? coordinator : parent.environment().get("HN_ENDPOINT");
        URI endpoint;
        if (cfg.endpoints().size() > 1) {
            throw new dev.hearth.core.InvalidInputException(coordinator != null ? "--coordinator" : "HN_ENDPOINT",
                    String.valueOf(given), "one endpoint: a Hypernode v2.0 network has one backend");
        }
        if (given != null && !given.isBlank()) {
            endpoint = HypernodeAgent.endpoint(coordinator != null ? "--coordinator" : "HN_ENDPOINT", given);
        } else if (cfg.endpoints().getFirst().equals(URI.create(AgentConfig.DEFAULT_ENDPOINT))) {
            endpoint = URI.create(HypernodeAgent.ORIGINAL_ENDPOINT + "/");
        } else {
            endpoint = cfg.endpoints().getFirst(); // from the config file, with its path as Hearth reads it
        }
        HostRuntimes dockerOnly = HostRuntimes.open(hostSettings(List.of("docker")), BuildProgress.silent());
        HostInfo host = new HostInventory(new NvidiaSmi()).read(dockerOnly.offered(), dockerOnly.dockerVersion(),
                HearthCommand.versionText());
        HypernodeAgent agent = new HypernodeAgent(cfg, endpoint, dockerOnly.jobDrivers(pools).get("docker"), host,
                InstantSource.system(), HypernodeAgent.registerDeadline(cfg.heartbeatInterval()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                agent.drain(cfg.drainGrace());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                agent.close();
                stopped.countDown();
            }
        }, "hearth-agent-drain"));
        agent.start();
        spec.commandLine().getErr().printf("hearth: agent running in Hypernode v2.0 mode (backend %s, %d slots, %s)%n",
                endpoint, cfg.slots(), poolsText(pools));
        spec.commandLine().getErr().flush();
        stopped.await();
        return 0;
    }

    /** This host's instances (STATE_ROOT) on the runtimes this build has. */
    private Instances openInstances(HostRuntimes host) throws IOException {
        InstanceCommand shape = new InstanceCommand();
        shape.parent = parent;
        return shape.open(host);
    }

    /** Supervises this host's instances (STATE_ROOT), unless a supervisor already runs for them. */
    private InstanceSupervisor superviseInstances(Instances all) throws IOException {
        if (all == null) {
            return null;
        }
        try {
            // no check first: two agents starting together would both pass it, and the second fail on the lock
            return InstanceSupervisor.start(all, InstantSource.system());
        } catch (InstanceSupervisor.AlreadySupervised e) {
            spec.commandLine().getErr().println("hearth: instances of " + all.store().root()
                    + " are supervised by another process already; this agent leaves them to it");
            return null;
        }
    }

    /** {@code hearth agent install-systemd}: writes the agent's own unit (one supervisor for every instance). */
    @Command(name = "install-systemd", mixinStandardHelpOptions = true,
            description = {"Writes a systemd unit that runs this agent (which supervises every instance), "
                    + "restarted on failure.", "Then: systemctl daemon-reload && systemctl enable --now hearth-agent"})
    @Prints(Prints.Kind.MESSAGE)
    static final class InstallSystemd implements Callable<Integer> {
        @ParentCommand
        AgentCommand agent;
        @Spec
        CommandSpec spec;

        @Option(names = "--output", paramLabel = "FILE", defaultValue = "/etc/systemd/system/hearth-agent.service",
                description = "Where to write the unit (default ${DEFAULT-VALUE}); - prints it.")
        String output;
        @Option(names = "--token-file", paramLabel = "FILE",
                description = "File holding the node token (mode 600), read by the agent at start.")
        Path tokenFile;
        @Option(names = "--config", paramLabel = "FILE",
                description = "The agent's config file (key = value lines: coordinator, token-file, ...), read at start.")
        Path configFile;
        @Option(names = "--coordinator", paramLabel = "URL", description = "Coordinator endpoint, ws://HOST:PORT.")
        String coordinator;
        @Option(names = "--runtimes", paramLabel = "LIST",
                description = "Sandbox runtimes the agent offers (docker,qemu,...; default: docker), as the agent's flag.")
        String runtimes;
        /** Warm pools for the agent's jobs, passed on as the agent's flags. */
        @Mixin
        PoolOptions poolOptions;
        @Option(names = "--exec", paramLabel = "PATH",
                description = "The hearth launcher to run (default: the launcher that runs this command, else this "
                        + "Java and this jar).")
        String exec;

        @Override
        public Integer call() throws Exception {
            Map<String, String> env = agent.parent.environment();
            if (tokenFile == null && configFile == null) {
                throw new dev.hearth.core.InvalidInputException("--token-file", null,
                        "--token-file FILE (the node token, mode 600) or --config FILE naming one as token-file");
            }
            List<String> command = new java.util.ArrayList<>(SystemdUnit.launcher(exec, env));
            command.add("agent");
            if (configFile != null) {
                command.addAll(List.of("--config", configFile.toAbsolutePath().toString()));
            }
            if (coordinator != null) {
                command.addAll(List.of("--coordinator", coordinator));
            }
            if (tokenFile != null) {
                command.addAll(List.of("--token-file", tokenFile.toAbsolutePath().toString()));
            }
            if (runtimes != null) {
                command.addAll(List.of("--runtimes", String.join(",", HostSettings.parseRuntimes("--runtimes",
                        runtimes))));
            }
            poolOptions.settings(PoolOptions.AGENT_SIZE); // refused here, not at the service's start
            if (poolOptions.size != null) {
                command.addAll(List.of("--pool-size", poolOptions.size.strip()));
            }
            if (poolOptions.idle != null) {
                command.addAll(List.of("--pool-idle", poolOptions.idle.strip()));
            }
            // a system service's home: HEARTH_HOME when given, else /var/lib/hearth (not the caller's ~/.hearth)
            Map<String, String> serviceEnv = new java.util.HashMap<>(env);
            serviceEnv.putIfAbsent("HEARTH_HOME", SystemdUnit.SERVICE_HOME);
            serviceEnv.replace("HEARTH_HOME", "", SystemdUnit.SERVICE_HOME);
            command.addAll(List.of("--state", HearthPaths.agentState(serviceEnv).toAbsolutePath().toString()));
            Map<String, String> unitEnv = new java.util.HashMap<>();
            unitEnv.put("HEARTH_HOME", HearthPaths.home(serviceEnv).toAbsolutePath().toString());
            for (String key : List.of("DOCKER_HOST", "STATE_ROOT", "FC_ROOT", "BASE_PORT", "BRIDGE_NAME",
                    "BRIDGE_ADDR", "SUBNET_CIDR", "SSH_KEY_PATH", "BASE_IMAGES_DIR")) {
                if (env.get(key) != null && !env.get(key).isBlank()) {
                    unitEnv.put(key, env.get(key));
                }
            }
            return SystemdUnit.write(new SystemdUnit(SystemdUnit.Role.AGENT, command, unitEnv), output,
                    spec.commandLine());
        }
    }

    private static <K> void put(Map<K, String> flags, K key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }

    private int checkHealth(Path stateDir) throws IOException, InterruptedException {
        Path portFile = stateDir.resolve(HealthServer.PORT_FILE);
        if (!Files.isReadable(portFile)) {
            spec.commandLine().getErr().println("hearth: no agent is running with state folder " + stateDir
                    + " (no " + portFile.getFileName() + ")");
            return 1;
        }
        int port = Integer.parseInt(Files.readString(portFile).trim());
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/healthz")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            spec.commandLine().getOut().println(r.body());
            return r.statusCode() == 200 ? 0 : 1;
        } catch (IOException e) {
            spec.commandLine().getErr().println("hearth: the agent's health port 127.0.0.1:" + port
                    + " does not answer: " + e.getMessage());
            return 1;
        }
    }
}
