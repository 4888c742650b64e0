// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.DurationText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The options of the {@code ws-servers} benchmark:
 * {@code [--agents N] [--interval DURATION] [--duration DURATION] [--servers LIST] [--json]}.
 *
 * @param agents WebSocket clients per candidate; 1 to {@link #MAX_AGENTS}
 * @param interval how often each client heartbeats; from 100 ms to 10 min
 * @param duration the measurement window per candidate, after the warm-up; from 5 s to 1 h
 * @param servers the candidates, measured one after the other in this order; none twice
 * @param json print one JSON object instead of the tables
 */
public record WsServersArgs(int agents, Duration interval, Duration duration, List<Candidate> servers,
        boolean json) {

    /** The most clients one run may open. */
    public static final int MAX_AGENTS = 50_000;

    static final String AGENTS_FORM = "a whole number of clients from 1 to " + MAX_AGENTS + ", e.g. --agents 2000";
    static final String INTERVAL_FORM = "a duration from 100ms to 10m, e.g. --interval 1s";
    static final String DURATION_FORM = "a duration from 5s to 1h, e.g. --duration 30s";
    static final String SERVERS_FORM = "a comma-separated list of " + Arrays.stream(Candidate.values())
            .map(Candidate::cliName).collect(Collectors.joining(", ")) + ", each at most once, e.g. --servers "
            + "helidon,vertx";
    static final String OPTIONS = "--agents N, --interval DURATION, --duration DURATION, --servers LIST or --json";

    public WsServersArgs {
        if (agents < 1 || agents > MAX_AGENTS) {
            throw new InvalidInputException("--agents", Integer.toString(agents), AGENTS_FORM);
        }
        if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new InvalidInputException("--interval", DurationText.format(interval), INTERVAL_FORM);
        }
        if (duration.compareTo(Duration.ofSeconds(5)) < 0 || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidInputException("--duration", DurationText.format(duration), DURATION_FORM);
        }
        if (servers.isEmpty() || servers.stream().distinct().count() != servers.size()) {
            throw new InvalidInputException("--servers", servers.stream().map(Candidate::cliName)
                    .collect(Collectors.joining(",")), SERVERS_FORM);
        }
        servers = List.copyOf(servers);
    }

    /**
     * Parses the arguments that follow the benchmark's name; each valued flag takes {@code --flag V} or
     * {@code --flag=V}. Defaults: 1000 clients, 1 s interval, 30 s window, all three candidates, tables.
     *
     * @throws InvalidInputException naming the flag and the accepted form when an argument is unknown or bad
     */
    public static WsServersArgs parse(List<String> args) {
        int agents = 1000;
        Duration interval = Duration.ofSeconds(1);
        Duration duration = Duration.ofSeconds(30);
        List<Candidate> servers = List.of(Candidate.values());
        boolean json = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--json")) {
                json = true;
                continue;
            }
            int eq = arg.indexOf('=');
            String flag = eq > 0 ? arg.substring(0, eq) : arg;
            String value;
            if (eq > 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size() && isValued(flag)) {
                value = args.get(++i);
            } else {
                value = null;
            }
            switch (flag) {
                case "--agents" -> agents = whole(value);
                case "--interval" -> interval = duration("--interval", value, INTERVAL_FORM);
                case "--duration" -> duration = duration("--duration", value, DURATION_FORM);
                case "--servers" -> servers = servers(value);
                default -> throw new InvalidInputException("ws-servers option", arg, "one of " + OPTIONS);
            }
        }
        return new WsServersArgs(agents, interval, duration, servers, json);
    }

    private static boolean isValued(String flag) {
        return flag.equals("--agents") || flag.equals("--interval") || flag.equals("--duration")
                || flag.equals("--servers");
    }

    private static int whole(String value) {
        if (value == null) {
            throw new InvalidInputException("--agents", null, AGENTS_FORM);
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--agents", value, AGENTS_FORM);
        }
    }

    private static Duration duration(String flag, String value, String form) {
        if (value == null) {
            throw new InvalidInputException(flag, null, form);
        }
        try {
            return DurationText.parsePositive(flag, value);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(flag, value, form);
        }
    }

    private static List<Candidate> servers(String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException("--servers", value, SERVERS_FORM);
        }
        List<Candidate> servers = new ArrayList<>();
        for (String name : value.split(",", -1)) {
            Candidate c = Candidate.byCliName(name.strip());
            if (c == null || servers.contains(c)) {
                throw new InvalidInputException("--servers", value, SERVERS_FORM);
            }
            servers.add(c);
        }
        return servers;
    }
}
