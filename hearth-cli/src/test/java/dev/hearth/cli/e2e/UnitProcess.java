// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import dev.hearth.cli.UnitFile;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A service run from its systemd unit file under a plain supervisor, for hosts where systemd is not the init: the
 * unit's {@code ExecStart=} with systemd's environment ({@code PATH}, {@code Environment=}, {@code EnvironmentFile=},
 * {@code STATE_DIRECTORY} for {@code StateDirectory=}), in a cgroup of its own (v1 {@code pids} or v2, as systemd
 * gives each service one), stopped as its {@code KillMode=} says: SIGTERM to the main process, up to
 * {@code TimeoutStopSec=}, then SIGKILL to what is left of the cgroup ({@code mixed}, {@code control-group}) or to
 * the main process only ({@code process}). The unit's absolute paths ({@code /opt/hearth}, {@code /etc/hearth},
 * {@code /var/lib}) are mapped into a test folder, as a drop-in would move them.
 */
final class UnitProcess implements AutoCloseable {

    /** cgroup v1's pids hierarchy where there is one (hybrid hosts), else the unified v2 tree. */
    private static final Path CGROUPS = Files.isDirectory(Path.of("/sys/fs/cgroup/pids"))
            ? Path.of("/sys/fs/cgroup/pids") : Path.of("/sys/fs/cgroup");

    private final String name;
    private final UnitFile unit;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path cgroup;
    private Process main;

    private UnitProcess(String name, UnitFile unit, List<String> command, Map<String, String> env, Path cgroup) {
        this.name = name;
        this.unit = unit;
        this.command = command;
        this.env = env;
        this.cgroup = cgroup;
    }

    /**
     * The service of {@code unit}, its paths moved by {@code paths} (prefix to replacement); not started.
     */
    static UnitProcess of(String name, UnitFile unit, Map<String, String> paths) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("LANG", "C.UTF-8");
        unit.environment().forEach((k, v) -> env.put(k, map(v, paths)));
        for (String file : unit.all("Service.EnvironmentFile")) {
            Path f = Path.of(map(file.startsWith("-") ? file.substring(1) : file, paths));
            if (!Files.exists(f) && file.startsWith("-")) {
                continue;
            }
            for (String line : Files.readAllLines(f)) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#") && l.contains("=")) {
                    env.put(l.substring(0, l.indexOf('=')).strip(), l.substring(l.indexOf('=') + 1).strip());
                }
            }
        }
        String state = unit.get("Service.StateDirectory");
        if (state != null) {
            Path dir = Path.of(map("/var/lib/" + state, paths));
            Files.createDirectories(dir);
            env.put("STATE_DIRECTORY", dir.toString());
        }
        List<String> command = unit.command(env).stream().map(w -> map(w, paths)).toList();
        Path cgroup = CGROUPS.resolve("hearth-e2e-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
        return new UnitProcess(name, unit, command, Map.copyOf(env), cgroup);
    }

    private static String map(String word, Map<String, String> paths) {
        for (var e : paths.entrySet()) {
            if (word.startsWith(e.getKey())) {
                return e.getValue() + word.substring(e.getKey().length());
            }
        }
        return word;
    }

    /** The command the unit runs, its paths moved. */
    List<String> command() {
        return command;
    }

    /** Starts the service (again) in its cgroup; its output goes to target/e2e-logs/NAME.log. */
    UnitProcess start() throws IOException {
        Files.createDirectories(cgroup);
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
                cgroup.toString()));
        argv.addAll(command);
        Path logs = Files.createDirectories(Path.of("target", "e2e-logs"));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(logs.toFile(), "release-" + name + ".log")));
        pb.environment().clear();
        pb.environment().putAll(env);
        main = pb.start();
        return this;
    }

    /** The main process. */
    ProcessHandle main() {
        return main.toHandle();
    }

    /** The processes in the service's cgroup now. */
    List<Long> cgroupPids() throws IOException {
        Path procs = cgroup.resolve("cgroup.procs");
        if (!Files.exists(procs)) {
            return List.of();
        }
        return Files.readAllLines(procs).stream().filter(s -> !s.isBlank()).map(Long::parseLong).toList();
    }

    /**
     * Stops the service as systemd would with the unit's {@code KillMode=} and {@code TimeoutStopSec=}.
     *
     * @return the processes SIGKILLed after the main process ended or timed out
     */
    List<Long> stop() throws IOException, InterruptedException {
        if (main == null) {
            return List.of();
        }
        String killMode = unit.get("Service.KillMode") == null ? "control-group" : unit.get("Service.KillMode");
        String timeout = unit.get("Service.TimeoutStopSec") == null ? "90s" : unit.get("Service.TimeoutStopSec");
        Duration limit = Duration.ofSeconds(Long.parseLong(timeout.replace("s", "")));
        if (killMode.equals("control-group")) {
            for (long pid : cgroupPids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            }
        } else if (!killMode.equals("none")) {
            main.destroy();
        }
        if (!main.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            main.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        List<Long> killed = new ArrayList<>();
        if (killMode.equals("mixed") || killMode.equals("control-group")) {
            for (long pid : cgroupPids()) {
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroyForcibly();
                    killed.add(pid);
                });
            }
        }
        main = null;
        return killed;
    }

    @Override
    public void close() throws Exception {
        stop();
        for (int i = 0; i < 50 && !cgroupPids().isEmpty(); i++) {
            Thread.sleep(100);
        }
        Files.deleteIfExists(cgroup); // rmdir of an empty cgroup
    }
}
