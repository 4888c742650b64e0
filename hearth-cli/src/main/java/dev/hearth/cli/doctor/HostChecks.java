// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.doctor;

import dev.hearth.cli.doctor.HostCheck.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The checks of {@code hearth doctor}: each looks at one thing Hearth needs on a host and, when it is missing or
 * broken, says what to do. Checks only read and probe (a bind that is closed at once, {@code --version} runs); they
 * change nothing. Stateless and thread-safe.
 */
public final class HostChecks {

    /** Reads the Docker engine's version, or throws saying why it could not. */
    @FunctionalInterface
    public interface EngineProbe {
        /** The engine's version, e.g. {@code 20.10.24+dfsg1}. */
        String version() throws Exception;
    }

    private static final String SETUP = "sudo scripts/setup-host";

    private HostChecks() {
    }

    /** Every check, in the order a reader fixes them: Java, engine, kernel features, tools, disk, ports. */
    public static List<HostCheck> run(Host host, EngineProbe engine) {
        List<HostCheck> checks = new ArrayList<>();
        checks.add(java(host));
        checks.add(docker(engine));
        checks.add(cgroup(host));
        checks.add(tool(host, "iptables", true, "iptables", "job networks' egress fences need it",
                "sudo apt-get install iptables (or " + SETUP + ")"));
        checks.add(tool(host, "bridge", true, "ip", "job networks and microVM TAPs need iproute2 (ip, bridge)",
                "sudo apt-get install iproute2 (or " + SETUP + ")"));
        checks.add(tool(host, "mkfs.ext4", true, "mkfs.ext4", "size-capped job workspaces need e2fsprogs",
                "sudo apt-get install e2fsprogs (or " + SETUP + ")"));
        checks.add(tool(host, "mmdebstrap", false, "mmdebstrap", "Hearth's Python image is built with it",
                "sudo apt-get install mmdebstrap (or " + SETUP + ")"));
        checks.add(kvm(host));
        checks.add(qemu(host));
        checks.add(firecracker(host));
        checks.add(vmUser(host));
        host.dirs().forEach((what, dir) -> checks.add(disk(host, what, dir)));
        host.ports().forEach((who, address) -> checks.add(port(who, address)));
        return checks;
    }

    /** True when no check failed. */
    public static boolean passed(List<HostCheck> checks) {
        return checks.stream().noneMatch(c -> c.status() == Status.FAIL);
    }

    static HostCheck java(Host host) {
        String at = System.getProperty("java.home");
        if (host.javaFeature() < 21) {
            return new HostCheck("java", Status.FAIL, "Java " + host.javaFeature() + " at " + at,
                    "Hearth needs Java 21 or newer: use the release tarball's runtime/, install openjdk-21-jdk-headless "
                            + "or Temurin 21+, or set JAVA_HOME to one");
        }
        return HostCheck.ok("java", "Java " + (host.javaFeature() == Runtime.version().feature()
                ? Runtime.version().toString() : String.valueOf(host.javaFeature())) + " at " + at);
    }

    static HostCheck docker(EngineProbe engine) {
        try {
            return HostCheck.ok("docker", "Docker engine " + engine.version());
        } catch (Exception e) {
            return new HostCheck("docker", Status.FAIL, String.valueOf(e.getMessage()),
                    "start the engine ('sudo systemctl start docker', or " + SETUP + " to install and start it); "
                            + "if it runs, check DOCKER_HOST and that you are in the docker group ('id -nG')");
        }
    }

    static HostCheck cgroup(Host host) {
        Path controllers = host.cgroupRoot().resolve("cgroup.controllers");
        if (Files.isReadable(controllers)) {
            String have = read(controllers).strip();
            List<String> lacking = java.util.stream.Stream.of("cpu", "memory", "pids")
                    .filter(c -> !(" " + have + " ").contains(" " + c + " ")).toList();
            if (!lacking.isEmpty()) {
                return new HostCheck("cgroup", Status.WARN, "cgroup v2 without the " + String.join(", ", lacking)
                        + " controller(s) (have: " + have + ")", "enable them (kernel command line, or the "
                        + "container's delegation) or jobs' limits on them are not enforced");
            }
            return HostCheck.ok("cgroup", "cgroup v2 (" + have + ")");
        }
        if (Files.isDirectory(host.cgroupRoot())) {
            return new HostCheck("cgroup", Status.WARN, "cgroup v1 (no " + controllers + ")",
                    "Docker's limits still hold, but prefer cgroup v2: boot with systemd.unified_cgroup_hierarchy=1 "
                            + "(the default on Debian 11+ and Ubuntu 21.10+)");
        }
        return new HostCheck("cgroup", Status.FAIL, "no cgroup file system at " + host.cgroupRoot(),
                "mount cgroup2 on /sys/fs/cgroup: the Docker engine needs it to limit jobs");
    }

    static HostCheck kvm(Host host) {
        Path dev = host.kvm();
        if (!Files.exists(dev)) {
            return new HostCheck("kvm", Status.WARN, "no " + dev + ": microVMs run under QEMU's TCG emulation, "
                    + "about 10x slower", "enable virtualization (VT-x/AMD-V) in the firmware, or nested virtualization "
                    + "for a VM host, then 'sudo modprobe kvm_intel' (or kvm_amd)");
        }
        boolean opens;
        try (var channel = java.nio.channels.FileChannel.open(dev, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            opens = channel.isOpen();
        } catch (IOException | UnsupportedOperationException e) {
            opens = false; // reported below, with the fix
        }
        if (!opens) {
            return new HostCheck("kvm", Status.WARN, dev + " is there but this user cannot open it: microVMs fall "
                    + "back to TCG", "add the user that runs Hearth to group kvm: 'sudo usermod -aG kvm "
                    + System.getProperty("user.name") + "', then log in again");
        }
        return HostCheck.ok("kvm", dev + " present and opens read-write (QEMU logs the accelerator each VM gets)");
    }

    static HostCheck qemu(Host host) {
        String set = host.env().get("HEARTH_QEMU");
        Path binary = set == null || set.isBlank() ? Path.of("/usr/bin/qemu-system-x86_64") : Path.of(set);
        String fix = "sudo apt-get install qemu-system-x86 (or " + SETUP + " --microvm), or set HEARTH_QEMU to "
                + "qemu-system-x86_64";
        if (!Files.isExecutable(binary)) {
            return HostCheck.missing("qemu", host.microvm(), "no QEMU at " + binary
                    + (host.microvm() ? "" : " (needed only for --runtime qemu)"), fix);
        }
        Optional<String> version = firstLine(binary, "--version");
        if (version.isEmpty()) {
            return HostCheck.missing("qemu", host.microvm(), binary + " --version did not answer", fix);
        }
        Optional<String> machines = output(binary, "-machine", "help");
        if (machines.isPresent() && !machines.get().contains("microvm")) {
            return HostCheck.missing("qemu", host.microvm(), version.get() + " at " + binary
                    + " has no microvm machine", "install QEMU 4.2 or newer built with the microvm machine: " + fix);
        }
        return HostCheck.ok("qemu", version.get() + " at " + binary);
    }

    static HostCheck firecracker(Host host) {
        String set = host.env().get("HEARTH_FIRECRACKER");
        Optional<Path> binary = set == null || set.isBlank() ? onPath(host, "firecracker")
                : Optional.of(Path.of(set)).filter(Files::isExecutable);
        if (binary.isEmpty()) {
            return new HostCheck("firecracker", Status.WARN, "no firecracker " + (set == null || set.isBlank()
                    ? "on PATH" : "at " + set) + " (optional: only --runtime firecracker needs it; QEMU is the default)",
                    "put Firecracker's release binary on PATH or set HEARTH_FIRECRACKER to it");
        }
        return firstLine(binary.get(), "--version").map(v -> HostCheck.ok("firecracker", v + " at " + binary.get()))
                .orElseGet(() -> new HostCheck("firecracker", Status.WARN, binary.get() + " --version did not answer",
                        "check that " + binary.get() + " is Firecracker's x86_64 release binary"));
    }

    static HostCheck vmUser(Host host) {
        String user = host.env().getOrDefault("HEARTH_QEMU_USER", "hearth-vm");
        boolean found = Files.isReadable(host.passwd())
                && read(host.passwd()).lines().anyMatch(l -> l.startsWith(user + ":"));
        if (found) {
            return HostCheck.ok("vm-user", "user " + user + " exists (QEMU drops to it)");
        }
        return HostCheck.missing("vm-user", host.microvm(), "no user " + user + " in " + host.passwd()
                + ": QEMU would keep running as root (still under its seccomp filter)",
                SETUP + " --microvm, or 'sudo useradd --system --no-create-home --shell /usr/sbin/nologin " + user + "'");
    }

    static HostCheck disk(Host host, String what, Path dir) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        String name = "disk:" + what;
        if (existing == null) {
            return new HostCheck(name, Status.FAIL, "no existing folder above " + dir, "create " + dir);
        }
        try {
            long free = Files.getFileStore(existing).getUsableSpace();
            String detail = gib(free) + " free for " + dir + (existing.equals(dir.toAbsolutePath()) ? ""
                    : " (on " + existing + "'s file system; created on first use)");
            if (free < host.minFreeBytes()) {
                return new HostCheck(name, Status.FAIL, detail + ", below " + gib(host.minFreeBytes()),
                        "free space there, or point Hearth elsewhere (HEARTH_HOME, BASE_IMAGES_DIR, --data)");
            }
            return HostCheck.ok(name, detail);
        } catch (IOException e) {
            return new HostCheck(name, Status.FAIL, "cannot read the free space of " + existing + ": " + e,
                    "check that " + existing + " is readable by this user");
        }
    }

    static HostCheck port(String who, InetSocketAddress address) {
        String name = "port:" + who;
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(address);
            return HostCheck.ok(name, address.getHostString() + ":" + address.getPort() + " is free");
        } catch (IOException e) {
            return new HostCheck(name, Status.FAIL, address.getHostString() + ":" + address.getPort()
                    + " cannot be bound (" + e.getMessage() + ")", "stop what listens there ('sudo ss -ltnp sport = :"
                    + address.getPort() + "' names it), unless it is this host's own running " + who
                    + ", or pick another port (hearth coordinator --listen, hearth agent --health-port)");
        }
    }

    private static HostCheck tool(Host host, String name, boolean required, String command, String why, String fix) {
        return onPath(host, command).map(p -> HostCheck.ok(name, p.toString()))
                .orElseGet(() -> HostCheck.missing(name, required, "no " + command + " on PATH: " + why, fix));
    }

    private static Optional<Path> onPath(Host host, String command) {
        return host.path().stream().map(d -> d.resolve(command)).filter(Files::isExecutable).findFirst();
    }

    private static Optional<String> firstLine(Path binary, String... args) {
        return output(binary, args).flatMap(o -> o.lines().filter(l -> !l.isBlank()).findFirst()).map(String::strip);
    }

    /** What {@code binary args} prints within 10 s, or empty when it could not run, failed or did not finish. */
    private static Optional<String> output(Path binary, String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        Path out = null;
        try {
            out = Files.createTempFile("hearth-doctor", ".out");
            // Into a file, not a pipe: a binary that hangs is given up on after 10 s instead of blocking a read.
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(Files.readString(out, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // could not run: the caller reports the binary as not answering
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    /** The file's text; empty when it cannot be read, which the callers report as the thing not being there. */
    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** The checks as {@code {"ok": ..., "checks": [{name, status, detail, fix}]}}. */
    public static Map<String, Object> asJson(List<HostCheck> checks) {
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("ok", passed(checks));
        doc.put("checks", checks.stream().map(c -> {
            Map<String, String> one = new java.util.LinkedHashMap<>();
            one.put("name", c.name());
            one.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
            one.put("detail", c.detail());
            one.put("fix", c.fix());
            return one;
        }).toList());
        return doc;
    }
}
