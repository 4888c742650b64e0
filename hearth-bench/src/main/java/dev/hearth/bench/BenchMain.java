// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.bench.servers.WsServers;
import dev.hearth.bench.servers.WsServersArgs;
import dev.hearth.bench.sim.AgentsSim;
import dev.hearth.bench.sim.AgentsSimArgs;
import dev.hearth.core.InvalidInputException;
import java.io.PrintStream;
import java.util.List;

/**
 * Entry point of {@code hearth-bench}: runs the benchmark named by the first argument and prints its figures.
 *
 * <p>Exit status: 0 when the benchmark ran, 1 when it could not run or a timed job failed, 2 for bad input (an
 * unknown benchmark or option, a bad value), 130 when interrupted.
 */
public final class BenchMain {

    /** Exit status for bad input: nothing was run. */
    static final int USAGE = 2;
    /** Exit status when the benchmark could not complete. */
    static final int FAILED = 1;
    /** Exit status when interrupted, as a shell reports SIGINT. */
    static final int INTERRUPTED = 130;

    static final String BENCHMARKS = "job-overhead, agents-sim, ws-servers, vm-boot, vm-pause, first-command";

    static final String USAGE_TEXT = """
            Usage: hearth-bench BENCHMARK [OPTIONS]

            Benchmarks:
              job-overhead [--n N]  Runs N trivial jobs (true) through hearth run's code path and N bare
                                    'docker run --rm --network none hearth/busybox:latest true', interleaved
                                    after 2 warm-up rounds, and prints medians, p90s and the ratio Hearth/bare.
                                    --n N: rounds to count, a whole number from 1 to 10000 (default 20).
              agents-sim [--agents N] [--interval I] [--duration D] [--jobs M] [--db URL]
                         [--coordinators K] [--json]
                                    Starts a real coordinator in a child JVM, connects N simulated hearth/1
                                    agents (one WebSocket and node token each) that heartbeat every I and
                                    complete job offers at once, submits M jobs, and prints heartbeat round
                                    trips (p50/p99), jobs placed per second, and the coordinator's CPU and RSS
                                    over the window D (after one uncounted interval). Defaults: --agents 1000
                                    --interval 10s --duration 60s --jobs 2000. --json: one JSON object instead
                                    of the table. --db postgresql://HOST:PORT/DB?user=NAME (an empty
                                    database; password in HEARTH_DB_PASSWORD): the store in PostgreSQL;
                                    --coordinators K (1 to 4, needs --db): K coordinators on it, agents
                                    spread over them, jobs submitted to each in turn. Needs ulimit -n of at
                                    least N + 512.
              ws-servers [--agents N] [--interval I] [--duration D] [--servers LIST] [--json]
                                    Runs the same minimal heartbeat server (/v1/agent parses each frame and
                                    answers a heartbeat with an ack; GET /healthz) on each candidate library in
                                    turn, each in a child JVM, under N WebSocket clients heartbeating every I,
                                    and prints connect time, heartbeat round trips (p50/p99), the server's CPU
                                    and RSS over the window D (after a warm-up of max(I, 10s)) and its live heap
                                    after a full GC (jcmd). LIST: helidon,
                                    vertx, javalin, comma-separated. Defaults: --agents 1000 --interval 1s
                                    --duration 30s --servers helidon,vertx,javalin. --json: one JSON object.
                                    Needs ulimit -n of at least N + 512.
              vm-boot [--n N]       Times start request to "guest ready" (the guest init's ready frame) for
                                    the QEMU microVM driver and for a bare qemu-system-x86_64 -M microvm
                                    booting the same kernel and rootfs, N rounds each after a warm-up boot,
                                    and prints medians, p90s and the ratio Hearth/bare; under KVM also the
                                    absolute time to guest init. Builds the guest image first if not cached.
                                    --n N: 1 to 1000 (default 10).
              vm-pause [--n N]      Times a detached QEMU microVM (the plain guest image, 2 vCPUs, 256 MiB) to
                                    its first answered command when booted cold and when resumed from its
                                    saved state, and the save itself (stop, snapshot-save, QEMU gone), N rounds
                                    after a warm-up, and prints medians and p90s against the goal (resume
                                    < 1 s). --n N: 1 to 1000 (default 10).
              first-command [--n N] Times create to the first output byte of 'echo ready' for Docker and for
                                    QEMU microVMs, each made cold and taken from a warm pool (one ready sandbox,
                                    refilled between rounds), N rounds each after a warm-up, and prints medians
                                    and p90s side by side against the warm goal (< 150 ms p50) with the load
                                    average. Builds the guest image first if not cached. --n N: 1 to 1000
                                    (default 10).
            """;

    private BenchMain() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line, printing figures on {@code out} and progress and errors on {@code err}.
     *
     * @return the exit status: 0, {@link #FAILED}, {@link #USAGE} or {@link #INTERRUPTED}
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> all = List.of(args);
        if (all.isEmpty()) {
            err.println("hearth-bench: benchmark is required: one of " + BENCHMARKS);
            err.print(USAGE_TEXT);
            return USAGE;
        }
        if (isHelp(all.get(0)) || all.contains("--help") || all.contains("-h")) {
            out.print(USAGE_TEXT);
            return 0;
        }
        return switch (all.get(0)) {
            case "job-overhead" -> jobOverhead(all.subList(1, all.size()), out, err);
            case "agents-sim" -> agentsSim(all.subList(1, all.size()), out, err);
            case "ws-servers" -> wsServers(all.subList(1, all.size()), out, err);
            case "vm-boot" -> vmBoot(all.subList(1, all.size()), out, err);
            case "vm-pause" -> vmPause(all.subList(1, all.size()), out, err);
            case "first-command" -> firstCommand(all.subList(1, all.size()), out, err);
            default -> {
                err.println("hearth-bench: " + new InvalidInputException("benchmark", all.get(0), "one of "
                        + BENCHMARKS).getMessage());
                err.print(USAGE_TEXT);
                yield USAGE;
            }
        };
    }

    private static int jobOverhead(List<String> args, PrintStream out, PrintStream err) {
        JobOverheadArgs parsed;
        try {
            parsed = JobOverheadArgs.parse(args);
        } catch (InvalidInputException e) {
            err.println("hearth-bench: " + e.getMessage());
            err.println("Try 'hearth-bench --help' for the accepted forms.");
            return USAGE;
        }
        try {
            JobOverhead.run(parsed, out, err);
            return 0;
        } catch (BenchmarkException e) {
            err.println("hearth-bench: job-overhead failed: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hearth-bench: job-overhead interrupted");
            return INTERRUPTED;
        }
    }

    private static int agentsSim(List<String> args, PrintStream out, PrintStream err) {
        AgentsSimArgs parsed;
        try {
            parsed = AgentsSimArgs.parse(args);
        } catch (InvalidInputException e) {
            err.println("hearth-bench: " + e.getMessage());
            err.println("Try 'hearth-bench --help' for the accepted forms.");
            return USAGE;
        }
        try {
            AgentsSim.run(parsed, out, err);
            return 0;
        } catch (BenchmarkException e) {
            err.println("hearth-bench: agents-sim failed: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hearth-bench: agents-sim interrupted");
            return INTERRUPTED;
        }
    }

    private static int wsServers(List<String> args, PrintStream out, PrintStream err) {
        WsServersArgs parsed;
        try {
            parsed = WsServersArgs.parse(args);
        } catch (InvalidInputException e) {
            err.println("hearth-bench: " + e.getMessage());
            err.println("Try 'hearth-bench --help' for the accepted forms.");
            return USAGE;
        }
        try {
            WsServers.run(parsed, out, err);
            return 0;
        } catch (BenchmarkException e) {
            err.println("hearth-bench: ws-servers failed: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hearth-bench: ws-servers interrupted");
            return INTERRUPTED;
        }
    }

    private static int vmBoot(List<String> args, PrintStream out, PrintStream err) {
        VmBootArgs parsed;
        try {
            parsed = VmBootArgs.parse(args);
        } catch (InvalidInputException e) {
            err.println("hearth-bench: " + e.getMessage());
            err.println("Try 'hearth-bench --help' for the accepted forms.");
            return USAGE;
        }
        try {
            VmBoot.run(parsed, out, err);
            return 0;
        } catch (BenchmarkException e) {
            err.println("hearth-bench: vm-boot failed: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hearth-bench: vm-boot interrupted");
            return INTERRUPTED;
        }
    }

    private static int vmPause(List<String> args, PrintStream out, PrintStream err) {
        VmBootArgs parsed;
        try {
            parsed = VmBootArgs.parse("vm-pause", args);
        } catch (InvalidInputException e) {
            err.println("hearth-bench: " + e.getMessage());
            err.println("Try 'hearth-bench --help' for the accepted forms.");
            return USAGE;
        }
        try {
            VmPause.run(parsed, out, err);
            return 0;
        } catch (BenchmarkException e) {
            err.println("hearth-bench: vm-pause failed: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hearth-bench: vm-pause interrupted");
            return INTERRUPTED;
        }
    }

    private static int firstCommand(List<String> args, PrintStream out, PrintStream err) {
        VmBootArgs parsed;
        try {
            parsed = VmBootArgs.parse("first-command", args);
        } catch (InvalidInputException e) {
            err.println("hearth-bench: " + e.getMessage());
            err.println("Try 'hearth-bench --help' for the accepted forms.");
            return USAGE;
        }
        try {
            FirstCommand.run(parsed, out, err);
            return 0;
        } catch (BenchmarkException e) {
            err.println("hearth-bench: first-command failed: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hearth-bench: first-command interrupted");
            return INTERRUPTED;
        }
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h") || arg.equals("help");
    }
}
