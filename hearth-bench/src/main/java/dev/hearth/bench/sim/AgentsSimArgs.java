// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.DurationText;
import java.time.Duration;
import java.util.List;

/**
 * The options of the {@code agents-sim} benchmark:
 * {@code [--agents N] [--interval DURATION] [--duration DURATION] [--jobs M] [--batch B] [--db URL] [--coordinators K]
 * [--json]}.
 *
 * @param agents simulated agents, each its own WebSocket and node token; 1 to {@link #MAX_AGENTS}
 * @param interval how often each agent heartbeats; from 1 s to 10 min
 * @param duration the measurement window, after every agent registered; from 5 s to 1 h
 * @param jobs jobs submitted at the start of the window; 0 to {@link #MAX_JOBS}
 * @param json print one JSON object instead of the table
 * @param db the coordinators' PostgreSQL database ({@code postgresql://HOST:PORT/DB?user=NAME}, the password in
 *     {@code HEARTH_DB_PASSWORD}), or null for each coordinator's own SQLite store
 * @param coordinators coordinator processes, 1 to {@link #MAX_COORDINATORS}; more than one share {@code db}; agents
 *     are spread over them and jobs submitted to each in turn
 * @param batch jobs per submission: 1 posts each to {@code POST /v1/jobs}, more go to {@code POST /v1/jobs/batch}
 *     that many at a time; 1 to {@link #MAX_BATCH}
 */
public record AgentsSimArgs(int agents, Duration interval, Duration duration, int jobs, boolean json, String db,
        int coordinators, int batch) {

    /** One coordinator on its own SQLite store. */
    public AgentsSimArgs(int agents, Duration interval, Duration duration, int jobs, boolean json) {
        this(agents, interval, duration, jobs, json, null, 1, DEFAULT_BATCH);
    }

    /** Jobs per submission when {@code --batch} is not given. */
    public static final int DEFAULT_BATCH = 100;
    /** The most jobs per submission: the coordinator's batch limit. */
    public static final int MAX_BATCH = 1000;
    static final String BATCH_FORM = "a whole number of jobs per submission from 1 (POST /v1/jobs each) to " + MAX_BATCH
            + " (POST /v1/jobs/batch), e.g. --batch 100";

    /** The most coordinators one run may start. */
    public static final int MAX_COORDINATORS = 4;
    static final String DB_FORM = "postgresql://HOST:PORT/DATABASE?user=NAME, an empty database the run may fill "
            + "(the password in HEARTH_DB_PASSWORD)";
    static final String COORDINATORS_FORM = "1 to " + MAX_COORDINATORS + " coordinators; more than one need --db, "
            + "which they share"; 

    /** The most agents one run may simulate. */
    public static final int MAX_AGENTS = 50_000;
    /** The most jobs one run may submit. */
    public static final int MAX_JOBS = 1_000_000;

    static final String AGENTS_FORM = "a whole number of agents from 1 to " + MAX_AGENTS + ", e.g. --agents 1000";
    static final String JOBS_FORM = "a whole number of jobs from 0 to " + MAX_JOBS + ", e.g. --jobs 2000";
    static final String INTERVAL_FORM = "a duration from 1s to 10m, e.g. --interval 10s";
    static final String DURATION_FORM = "a duration from 5s to 1h, e.g. --duration 60s";
    static final String OPTIONS = "--agents N, --interval DURATION, --duration DURATION, --jobs M, --batch B, "
            + "--db URL, --coordinators K or --json";

    public AgentsSimArgs {
        if (agents < 1 || agents > MAX_AGENTS) {
            throw new InvalidInputException("--agents", Integer.toString(agents), AGENTS_FORM);
        }
        if (jobs < 0 || jobs > MAX_JOBS) {
            throw new InvalidInputException("--jobs", Integer.toString(jobs), JOBS_FORM);
        }
        if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new InvalidInputException("--interval", DurationText.format(interval), INTERVAL_FORM);
        }
        if (duration.compareTo(Duration.ofSeconds(5)) < 0 || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidInputException("--duration", DurationText.format(duration), DURATION_FORM);
        }
        if (db != null && !db.startsWith("postgresql://")) {
            throw new InvalidInputException("--db", db, DB_FORM);
        }
        if (batch < 1 || batch > MAX_BATCH) {
            throw new InvalidInputException("--batch", Integer.toString(batch), BATCH_FORM);
        }
        if (coordinators < 1 || coordinators > MAX_COORDINATORS || coordinators > 1 && db == null) {
            throw new InvalidInputException("--coordinators", Integer.toString(coordinators), COORDINATORS_FORM);
        }
    }

    /**
     * Parses the arguments that follow the benchmark's name; each valued flag takes {@code --flag V} or
     * {@code --flag=V}. Defaults: 1000 agents, 10 s interval, 60 s duration, 2000 jobs in batches of 100, a table.
     *
     * @throws InvalidInputException naming the flag and the accepted form when an argument is unknown or bad
     */
    public static AgentsSimArgs parse(List<String> args) {
        int agents = 1000;
        Duration interval = Duration.ofSeconds(10);
        Duration duration = Duration.ofSeconds(60);
        int jobs = 2000;
        boolean json = false;
        String db = null;
        int coordinators = 1;
        int batch = DEFAULT_BATCH;
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
                case "--agents" -> agents = whole("--agents", value, AGENTS_FORM);
                case "--jobs" -> jobs = whole("--jobs", value, JOBS_FORM);
                case "--interval" -> interval = duration("--interval", value, INTERVAL_FORM);
                case "--duration" -> duration = duration("--duration", value, DURATION_FORM);
                case "--db" -> {
                    if (value == null) {
                        throw new InvalidInputException("--db", null, DB_FORM);
                    }
                    db = value;
                }
                case "--coordinators" -> coordinators = whole("--coordinators", value, COORDINATORS_FORM);
                case "--batch" -> batch = whole("--batch", value, BATCH_FORM);
                default -> throw new InvalidInputException("agents-sim option", arg, "one of " + OPTIONS);
            }
        }
        return new AgentsSimArgs(agents, interval, duration, jobs, json, db, coordinators, batch);
    }

    private static boolean isValued(String flag) {
        return flag.equals("--agents") || flag.equals("--jobs") || flag.equals("--interval")
                || flag.equals("--duration") || flag.equals("--db") || flag.equals("--coordinators")
                || flag.equals("--batch");
    }

    private static int whole(String flag, String value, String form) {
        if (value == null) {
            throw new InvalidInputException(flag, null, form);
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(flag, value, form);
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
}
