// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import dev.hearth.agent.host.HostSettings;
import dev.hearth.agent.jobs.LogCapture;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.PoolSettings;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.List;
import java.util.ArrayList;

/**
 * How an agent runs. Each setting comes from, in order: a command-line flag, the original agent's environment
 * variable (HN_*), the config file ({@code key = value} lines), and the default (the original's where it has one).
 *
 * @param endpoints the coordinators' agent WebSockets (HN_ENDPOINT), {@code ws://127.0.0.1:7070/v1/agent}; several,
 *     comma-separated, for coordinators sharing one database: the agent tries them in order and moves to the next
 *     when its coordinator goes away
 * @param token the node token (HN_NODE_TOKEN, or the file named by {@code token-file}); never logged
 * @param stateDir where the node key and the result outbox live
 * @param heartbeatInterval heartbeat interval (HN_HEARTBEAT_INTERVAL, 10 s) unless the coordinator asks for another
 * @param jobTimeout the longest any job may run here (HN_JOB_TIMEOUT, 300 s); a job asking for more gets this
 * @param maxLogChars characters of output kept per result (HN_MAX_LOG_SIZE, 10000)
 * @param reconnectDelay the first reconnect delay (HN_RECONNECT_DELAY, 5 s), doubled per failure
 * @param reconnectMax the largest reconnect delay (60 s)
 * @param slots jobs run at once (default: the host's CPUs)
 * @param healthPort local port of /healthz and /metrics on 127.0.0.1 (7071; 0 picks a free one)
 * @param drainGrace how long running jobs may finish after SIGTERM before they are cancelled (60 s)
 * @param metricsAddress where /metrics (only) is also served for a Prometheus on another host
 *     (HN_METRICS_ADDRESS, HOST:PORT); null when it is served on the loopback health port only
 * @param pools the warm pools of jobs on docker and qemu ({@code pool-size}, {@code pool-idle}; no variable):
 *     {@link PoolSettings#NONE} unless a size above 0 is set
 * @param runtimes the sandbox runtimes offered to the coordinator's jobs ({@code runtimes}; no variable): docker
 *     unless set
 * @param vmTemplates whether QEMU job VMs start from saved templates ({@code vm-templates}, on or off; no variable;
 *     off unless set); refused without qemu in {@code runtimes}
 */
public record AgentConfig(List<URI> endpoints, String token, Path stateDir, Duration heartbeatInterval,
        Duration jobTimeout, int maxLogChars, Duration reconnectDelay, Duration reconnectMax, int slots, int healthPort,
        Duration drainGrace, java.net.InetSocketAddress metricsAddress, PoolSettings pools, List<String> runtimes,
        boolean vmTemplates) {

    /** The default coordinator endpoint. */
    public static final String DEFAULT_ENDPOINT = "ws://127.0.0.1:7070" + Protocol.AGENT_PATH;
    /** The default health port. */
    public static final int DEFAULT_HEALTH_PORT = 7071;

    public AgentConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one coordinator endpoint");
        }
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(pools, "pools");
        runtimes = List.copyOf(runtimes);
    }

    /** The runtimes a node offers when none are set. */
    public static final List<String> DEFAULT_RUNTIMES = List.of("docker");

    /** Settings by name (flag names without dashes), as a source gives them. */
    public enum Key {
        ENDPOINT("coordinator", "HN_ENDPOINT"),
        TOKEN_FILE("token-file", null),
        HEARTBEAT_INTERVAL("heartbeat-interval", "HN_HEARTBEAT_INTERVAL"),
        JOB_TIMEOUT("job-timeout", "HN_JOB_TIMEOUT"),
        MAX_LOG_SIZE("max-log-size", "HN_MAX_LOG_SIZE"),
        RECONNECT_DELAY("reconnect-delay", "HN_RECONNECT_DELAY"),
        RECONNECT_MAX("reconnect-max", "HN_RECONNECT_MAX"),
        SLOTS("slots", "HN_SLOTS"),
        HEALTH_PORT("health-port", "HN_HEALTH_PORT"),
        DRAIN_GRACE("drain-grace", "HN_DRAIN_GRACE"),
        METRICS_ADDRESS("metrics-address", "HN_METRICS_ADDRESS"),
        POOL_SIZE("pool-size", null),
        POOL_IDLE("pool-idle", null),
        RUNTIMES("runtimes", null),
        VM_TEMPLATES("vm-templates", null);

        private final String flag;
        private final String env;

        Key(String flag, String env) {
            this.flag = flag;
            this.env = env;
        }

        /** The flag and config-file name. */
        public String flag() {
            return flag;
        }
    }

    /**
     * Resolves the settings.
     *
     * @param flags values given on the command line, by key
     * @param env the process environment
     * @param configFile a {@code key = value} file, or null
     * @param stateDir the state folder
     * @param defaultSlots slots when none is set
     * @throws InvalidInputException naming the flag, variable or file key of a malformed value, or the missing token
     * @throws IOException when the config or token file cannot be read
     */
    public static AgentConfig resolve(Map<Key, String> flags, Map<String, String> env, Path configFile,
            Path stateDir, int defaultSlots) throws IOException {
        Map<String, String> file = new LinkedHashMap<>();
        if (configFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(configFile)) {
                p.load(r);
            }
            for (String name : p.stringPropertyNames()) {
                boolean known = false;
                for (Key k : Key.values()) {
                    known |= k.flag.equals(name);
                }
                if (!known && !"token".equals(name)) {
                    throw new InvalidInputException(configFile + ": " + name, p.getProperty(name),
                            "one of the keys " + java.util.Arrays.stream(Key.values()).map(Key::flag).toList());
                }
                file.put(name, p.getProperty(name).trim());
            }
            if (file.containsKey("token")) {
                throw new InvalidInputException(configFile + ": token", "****",
                        "token-file = PATH (a file holding the token, mode 600), or HN_NODE_TOKEN in the environment");
            }
        }
        Sources s = new Sources(flags, env, file, configFile);
        String token = env.get("HN_NODE_TOKEN");
        Setting tokenFile = s.get(Key.TOKEN_FILE);
        if (tokenFile != null) {
            token = Files.readString(Path.of(tokenFile.value())).trim();
        }
        if (token == null || token.isBlank()) {
            throw new InvalidInputException("HN_NODE_TOKEN", "",
                    "a node token from `hearth token create`, in HN_NODE_TOKEN or in the file given by --token-file");
        }
        List<String> runtimes = s.get(Key.RUNTIMES) == null ? DEFAULT_RUNTIMES
                : HostSettings.parseRuntimes(s.get(Key.RUNTIMES).source(), s.get(Key.RUNTIMES).value());
        return new AgentConfig(
                endpoints(s.get(Key.ENDPOINT)),
                token,
                stateDir,
                duration(s.get(Key.HEARTBEAT_INTERVAL), Duration.ofSeconds(10)),
                duration(s.get(Key.JOB_TIMEOUT), Duration.ofSeconds(300)),
                positive(s.get(Key.MAX_LOG_SIZE), LogCapture.DEFAULT_MAX_CHARS, "a positive number of characters"),
                duration(s.get(Key.RECONNECT_DELAY), Duration.ofSeconds(5)),
                duration(s.get(Key.RECONNECT_MAX), Duration.ofSeconds(60)),
                positive(s.get(Key.SLOTS), defaultSlots, "a positive number of jobs"),
                port(s.get(Key.HEALTH_PORT)),
                duration(s.get(Key.DRAIN_GRACE), Duration.ofSeconds(60)),
                address(s.get(Key.METRICS_ADDRESS)),
                pools(s.get(Key.POOL_SIZE), s.get(Key.POOL_IDLE)),
                runtimes,
                vmTemplates(s.get(Key.VM_TEMPLATES), runtimes));
    }

    /** {@code on} or {@code off} (off when unset); on needs qemu among {@code runtimes}. */
    private static boolean vmTemplates(Setting s, List<String> runtimes) {
        if (s == null || s.value().equals("off")) {
            return false;
        }
        if (!s.value().equals("on")) {
            throw new InvalidInputException(s.source(), s.value(), "on or off");
        }
        if (!runtimes.contains("qemu")) {
            throw new InvalidInputException(s.source(), s.value(), "off, or on together with qemu among the runtimes "
                    + "(now " + String.join(",", runtimes) + "): templates are kept for QEMU microVMs only");
        }
        return true;
    }

    /** The pools {@code size} and {@code idle} give, checked as the flags are ({@link PoolSettings#parse}). */
    private static PoolSettings pools(Setting size, Setting idle) {
        return PoolSettings.parse(size == null ? "--pool-size" : size.source(), size == null ? null : size.value(),
                idle == null ? "--pool-idle" : idle.source(), idle == null ? null : idle.value(),
                PoolSettings.NONE.size());
    }

    /** HOST:PORT (an IPv6 host in brackets); the host is a literal address or a name of this machine. */
    static java.net.InetSocketAddress address(Setting s) {
        if (s == null) {
            return null;
        }
        String form = "HOST:PORT with a port 1..65535 (0.0.0.0:9464 for every interface, [::1]:9464 for IPv6)";
        int colon = s.value().lastIndexOf(':');
        if (colon <= 0) {
            throw new InvalidInputException(s.source(), s.value(), form);
        }
        String host = s.value().substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.value().substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidInputException(s.source(), s.value(), form);
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new InvalidInputException(s.source(), s.value(), form);
        }
        return new java.net.InetSocketAddress(host, port);
    }

    /** The most coordinator endpoints one agent takes. */
    static final int MAX_ENDPOINTS = 16;

    /**
     * The endpoints of a comma-separated list, each in one of HN_ENDPOINT's forms ({@link #endpoint}); the default
     * when unset. Refused: an empty entry, the same endpoint twice, more than {@value #MAX_ENDPOINTS}.
     */
    static List<URI> endpoints(Setting setting) {
        if (setting == null) {
            return List.of(endpoint(null));
        }
        String[] parts = setting.value().split(",", -1);
        String form = "one endpoint, or up to " + MAX_ENDPOINTS + " distinct ones separated by commas "
                + "(ws://HOST:PORT,ws://HOST2:PORT), for coordinators sharing one database";
        if (parts.length > MAX_ENDPOINTS) {
            throw new InvalidInputException(setting.source(), setting.value(), form);
        }
        List<URI> list = new ArrayList<>();
        for (String part : parts) {
            if (part.isBlank()) {
                throw new InvalidInputException(setting.source(), setting.value(), form + "; an entry is empty");
            }
            URI u = endpoint(new Setting(part.strip(), setting.source()));
            if (list.contains(u)) {
                throw new InvalidInputException(setting.source(), setting.value(), form + "; " + u + " is given twice");
            }
            list.add(u);
        }
        return List.copyOf(list);
    }

    /** The endpoint from HN_ENDPOINT's forms: ws(s)://host[:port][/path] or http(s)://...; no path means /v1/agent. */
    static URI endpoint(Setting setting) {
        String text = setting == null ? DEFAULT_ENDPOINT : setting.value();
        String accepted = "ws://HOST:PORT, wss://HOST:PORT or http(s)://HOST:PORT, optionally with the path "
                + Protocol.AGENT_PATH;
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase();
            String ws = switch (scheme) {
                case "ws", "http" -> "ws";
                case "wss", "https" -> "wss";
                default -> throw new InvalidInputException(setting.source(), text, accepted);
            };
            if (u.getHost() == null) {
                throw new InvalidInputException(setting.source(), text, accepted);
            }
            String path = u.getPath() == null || u.getPath().isEmpty() || "/".equals(u.getPath())
                    ? Protocol.AGENT_PATH : u.getPath();
            return new URI(ws, null, u.getHost(), u.getPort(), path, u.getQuery(), null);
        } catch (URISyntaxException e) {
            throw new InvalidInputException(setting == null ? "HN_ENDPOINT" : setting.source(), text, accepted);
        }
    }

    private static Duration duration(Setting s, Duration fallback) {
        return s == null ? fallback : DurationText.parsePositive(s.source(), s.value());
    }

    private static int positive(Setting s, int fallback, String form) {
        if (s == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(s.value());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error
        }
        throw new InvalidInputException(s.source(), s.value(), form);
    }

    private static int port(Setting s) {
        if (s == null) {
            return DEFAULT_HEALTH_PORT;
        }
        try {
            int n = Integer.parseInt(s.value());
            if (n >= 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error
        }
        throw new InvalidInputException(s.source(), s.value(), "a port 1..65535, or 0 for any free port");
    }

    /** A value and where it came from, for error messages. */
    record Setting(String value, String source) {
    }

    private record Sources(Map<Key, String> flags, Map<String, String> env, Map<String, String> file, Path configFile) {

        Setting get(Key key) {
            String v = flags.get(key);
            if (v != null) {
                return new Setting(v, "--" + key.flag);
            }
            if (key.env != null && env.get(key.env) != null && !env.get(key.env).isBlank()) {
                return new Setting(env.get(key.env).trim(), key.env);
            }
            if (file.containsKey(key.flag)) {
                return new Setting(file.get(key.flag), configFile + ": " + key.flag);
            }
            return null;
        }
    }

    @Override
    public String toString() {
        return "AgentConfig[endpoints=" + endpoints + ", token=****, stateDir=" + stateDir + ", heartbeatInterval="
                + heartbeatInterval + ", jobTimeout=" + jobTimeout + ", maxLogChars=" + maxLogChars
                + ", reconnectDelay=" + reconnectDelay + ", reconnectMax=" + reconnectMax + ", slots=" + slots
                + ", healthPort=" + healthPort + ", drainGrace=" + drainGrace + ", metricsAddress=" + metricsAddress
                + ", pools=" + pools + "]";
    }
}
