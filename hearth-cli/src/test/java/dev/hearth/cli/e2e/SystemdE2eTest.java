// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.core.json.Json;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.OpenClawImage;
import dev.hearth.sandbox.vm.ServiceScope;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The release under real systemd: a Debian 12 root whose init is systemd ({@code scripts/lib/debian-systemd-root},
 * built once and cached by its content) run as a privileged container with a cgroup namespace of its own and the
 * host's network, its Docker engine reached through the mounted socket. In it: the .deb installed with dpkg on a
 * root with no JDK, checked, removed and purged; then the tarball unpacked, the units written by
 * {@code install-systemd}, the coordinator and agent started with {@code systemctl}, a job run, a Docker instance
 * and a detached QEMU started the way the agent starts instance VMs ({@link ServiceScope#wrap}) surviving
 * {@code systemctl restart hearth-agent}, and {@code systemctl stop} leaving nothing but that VM. Skipped, saying
 * why, without root, a Docker engine or debootstrap. Leaves no container, mount or folder behind.
 */
@Tag("e2e")
@DisplayName("The release under systemd: the .deb, the units, a job and instances through an agent restart")
class SystemdE2eTest {

    private static final String TELEGRAM = "123456:ABC-def";
    /** Where the box's mounts of job workspaces and instance state are visible to the host's dockerd too. */
    private static final String SHARED_PREFIX = "/var/tmp/hearth-systemd-e2e-";

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String box = "hearth-systemd-e2e-" + suffix;
    private final Path shared = Path.of(SHARED_PREFIX + suffix);
    private ReleaseApi rest;

    @Test
    @DisplayName("dpkg installs and purges cleanly; systemctl runs a job; a Docker instance and a scoped VM outlive "
            + "an agent restart; stop leaves only the scoped VM")
    void releaseUnderSystemd() throws Exception {
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
                "needs root: it runs a privileged container and bind-mounts a shared folder");
        assumeTrue(host("docker", "version").rc() == 0, "no Docker engine answers 'docker version'");
        Result image = host("../scripts/lib/debian-systemd-root");
        assumeTrue(image.rc() != 3, image.out());
        assertThat(image.rc()).as(image.out()).isZero();
        String tag = image.out().lines().reduce((a, b) -> b).orElseThrow();
        OpenClawImage.ensure(DockerFixture.driver().images(), OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                BuildProgress.silent());
        Path tarball = ReleaseArtifacts.tarball();
        Path deb = ReleaseArtifacts.deb();

        List<String> instanceIds = new ArrayList<>();
        try {
            start(tag, tarball, deb);
            debInstallsAndPurges();
            servicesFromTheTarball(tarball, instanceIds);
        } finally {
            for (String id : instanceIds) {
                host("sh", "-c", "docker ps -aq --filter name=" + id + " | xargs -r docker rm -f");
            }
            // what the services said, for a failed run
            Path journal = Files.createDirectories(Path.of("target", "e2e-logs")).resolve("systemd-e2e-journal.log");
            Files.writeString(journal, sh("journalctl --no-pager -o short-monotonic -u hearth-coordinator "
                    + "-u hearth-agent -u 'hearth-vm-*'").out());
            host("docker", "rm", "-f", "-v", box);
            // loop mounts of job workspaces left by a failed run, then the shared folder's own mount
            host("sh", "-c", "grep -o ' " + shared + "[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l");
            host("rm", "-rf", "--one-file-system", shared.toString());
        }
        assertThat(host("sh", "-c", "grep -c ' " + shared + "' /proc/self/mounts").out()).isEqualTo("0");
        assertThat(host("docker", "ps", "-aq", "--filter", "name=" + box).out()).isEmpty();
    }

    /** The box: systemd as PID 1, up and running, its mounts of {@code shared} propagated to the host. */
    private void start(String tag, Path tarball, Path deb) throws Exception {
        Files.createDirectories(shared);
        // the host's / is often private: a bind of the folder on itself, made shared, lets dockerd see the loop
        // mounts the agent makes inside the box (job workspaces)
        ok(host("mount", "--bind", shared.toString(), shared.toString()));
        ok(host("mount", "--make-shared", shared.toString()));
        // Every capability but CAP_SYS_RESOURCE rather than --privileged, which asks for all of them and fails
        // where the host's bounding set lacks one. A cgroup namespace of its own: systemd sees its container's
        // cgroup as the root (cgroup v1 here: it tracks units in a cgroup2 hierarchy it mounts, under the
        // container's cgroup, which goes with the container). The host's network, so the test reaches the
        // services on loopback; the host's engine through its socket; the loop devices for size-capped /job.
        List<String> run = new ArrayList<>(List.of("docker", "run", "-d", "--name", box, "-e", "container=docker",
                "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined",
                "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined",
                "--device-cgroup-rule", "a *:* rwm", "--cgroupns=private", "--network=host",
                "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
                "-v", "/var/run/docker.sock:/run/docker.sock",
                "-v", shared + ":" + shared + ":rshared",
                "-v", tarball + ":/release/" + tarball.getFileName() + ":ro",
                "-v", deb + ":/release/hearth.deb:ro"));
        try (var devices = Files.list(Path.of("/dev"))) {
            devices.map(Path::toString).filter(d -> d.matches("/dev/loop(-control|[0-9]+)")).sorted()
                    .forEach(d -> run.addAll(List.of("--device", d)));
        }
        run.add(tag);
        ok(host(run.toArray(String[]::new)));
        Cluster.await("systemd in " + box + " finishes starting", Duration.ofSeconds(90), () -> {
            String state = sh("systemctl is-system-running").out();
            return state.equals("running") || state.equals("degraded");
        });
        assertThat(sh("cat /proc/1/comm").out()).isEqualTo("systemd");
        if (host("iptables", "-V").out().contains("legacy")) { // the same rules table as the host's own tools
            ok(sh("update-alternatives --set iptables /usr/sbin/iptables-legacy"));
        }
    }

    private void debInstallsAndPurges() throws Exception {
        assertThat(sh("command -v java javac; ls /usr/lib/jvm").rc()).as("no JDK in the box").isNotZero();
        ok(sh("dpkg -i /release/hearth.deb"));
        String version = ok(sh("hearth --version"));
        assertThat(version).matches("(?s)hearth \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{12}(-dirty)?\\)\n.*");
        List<String> files = List.of("/usr/bin/hearth", "/opt/hearth/runtime/bin/java", "/opt/hearth/lib/hearth.jar",
                "/lib/systemd/system/hearth-agent.service", "/lib/systemd/system/hearth-coordinator.service",
                "/lib/systemd/system/hearth-vms.slice", "/usr/share/doc/hearth/examples/agent.conf.example",
                "/usr/share/doc/hearth/examples/agent.env.example",
                "/usr/share/doc/hearth/examples/coordinator.env.example", "/usr/share/doc/hearth/copyright",
                "/usr/share/man/man1/hearth-agent.1.gz", "/opt/hearth/scripts/setup-host");
        for (String f : files) {
            assertThat(sh("test -e " + f).rc()).as("the .deb installs %s", f).isZero();
        }
        for (String unit : List.of("hearth-agent.service", "hearth-coordinator.service", "hearth-vms.slice")) {
            assertThat(ok(sh("systemctl show -p LoadState --value " + unit))).as("systemd knows %s", unit)
                    .isEqualTo("loaded");
        }
        // Debian 12 has no Java 21: the package's setup-host finds the release's own runtime
        assertThat(ok(sh("/opt/hearth/scripts/setup-host --dry-run"))).contains("java found: /opt/hearth/runtime");
        ok(sh("dpkg -r hearth"));
        for (String f : files) {
            assertThat(sh("test -e " + f).rc()).as("dpkg -r removes %s", f).isNotZero();
        }
        ok(sh("dpkg -P hearth"));
        assertThat(sh("dpkg -s hearth").rc()).as("purged").isNotZero();
        assertThat(sh("ls -d /opt/hearth /etc/hearth /usr/share/doc/hearth 2>/dev/null").out())
                .as("nothing of the package is left").isEmpty();
    }

    private void servicesFromTheTarball(Path tarball, List<String> instanceIds) throws Exception {
        String hearth = "/opt/hearth/bin/hearth";
        ok(sh("mkdir -p /opt && tar -xzf /release/" + tarball.getFileName() + " -C /opt"
                + " && ln -sfn /opt/hearth-*-linux-x64 /opt/hearth"
                + " && mkdir -p /etc/hearth"
                + " && " + hearth + " coordinator install-systemd --exec " + hearth
                + " --output /etc/systemd/system/hearth-coordinator.service"
                + " && " + hearth + " agent install-systemd --exec " + hearth + " --config /etc/hearth/agent.conf"
                + " --output /etc/systemd/system/hearth-agent.service"
                // what install-systemd writes is what the release ships
                + " && cmp /etc/systemd/system/hearth-agent.service /opt/hearth/share/systemd/hearth-agent.service"
                + " && cmp /etc/systemd/system/hearth-vms.slice /opt/hearth/share/systemd/hearth-vms.slice"
                + " && cmp /etc/systemd/system/hearth-coordinator.service"
                + " /opt/hearth/share/systemd/hearth-coordinator.service"));
        int port = Cluster.freePort();
        rest = new ReleaseApi("http://127.0.0.1:" + port, "");
        write("/etc/hearth/coordinator.env", "HEARTH_COORDINATOR_OPTS=--listen 127.0.0.1:" + port
                + " --heartbeat-interval 1s --lost-after 4s\n");
        ok(sh("systemctl daemon-reload && systemctl start hearth-coordinator"));
        Cluster.await("the coordinator answers /healthz", Duration.ofSeconds(90), () -> rest.status("/healthz") == 200);
        rest = rest.withAdmin(ok(sh("cat /var/lib/hearth-coordinator/admin.token")));
        write("/etc/hearth/node.token", rest.api("POST", "/v1/tokens", "{\"ttl\":\"1h\"}").get("token").asText());
        ok(sh("chmod 600 /etc/hearth/node.token && sed 's|ws://127.0.0.1:7070|ws://127.0.0.1:" + port + "|' "
                + "/opt/hearth/etc/agent.conf.example > /etc/hearth/agent.conf"));
        // its state and job workspaces where the host's dockerd can bind them from
        write("/etc/hearth/agent.env", String.join("\n", "HEARTH_HOME=" + shared + "/home",
                "HEARTH_WORKSPACES=" + shared + "/workspaces", "HN_HEALTH_PORT=0", "HN_HEARTBEAT_INTERVAL=1s",
                "HN_RECONNECT_DELAY=300ms", "HN_RECONNECT_MAX=1s", "HN_DRAIN_GRACE=5s",
                "BASE_PORT=" + (Cluster.freePort() / 2 + 20000), ""));
        ok(sh("systemctl start hearth-agent"));
        String nodeId = rest.awaitOnline();
        for (String setting : List.of("NoNewPrivileges=yes", "LockPersonality=yes", "KillMode=mixed")) {
            String name = setting.substring(0, setting.indexOf('='));
            assertThat(name + "=" + ok(sh("systemctl show -p " + name + " --value hearth-agent")))
                    .as("the unit's hardening is in force").isEqualTo(setting);
        }

        String job = rest.api("POST", "/v1/jobs", "{\"command\":[\"sh\",\"-c\",\"df -k /job | tail -1; echo hello from "
                + "systemd\"],\"cpus\":\"0.25\",\"memory\":\"64m\"}").get("id").asText();
        Cluster.await("the job completes", Duration.ofSeconds(120),
                () -> "completed".equals(rest.api("GET", "/v1/jobs/" + job, null).path("state").asText()));
        String logs = rest.call("GET", "/v1/jobs/" + job + "/logs", null).body();
        assertThat(logs).contains("hello from systemd");
        // the hardened agent loop-mounted the job's size-capped /job, and the host's dockerd saw that mount
        assertThat(logs).as("/job on a loop device").containsPattern("(?m)^/dev/loop\\d+ .*/job$");

        String id = "sysd-" + suffix;
        instanceIds.add(id);
        HttpResponse<String> created = rest.call("POST", "/v1/nodes/" + nodeId + "/instances?wait=300s",
                "{\"id\":\"" + id + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"telegramUsers\":\"42\","
                        + "\"vcpus\":\"2\",\"memoryMib\":\"2048\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        int hostPort = Json.mapper().readTree(created.body()).at("/instance/hostPort").asInt();
        rest.awaitHealthy(nodeId, id, hostPort);
        String container = ok(host("sh", "-c", "docker ps -a --filter name=" + id + " --format '{{.Names}}'"));
        String startedAt = ok(host("docker", "inspect", "-f", "{{.State.StartedAt}}", container));

        // A detached VM as the agent starts an instance's (ServiceScope.wrap), and one without a scope, both from
        // inside the agent's cgroup: the restart must end the second only.
        List<String> scoped = new ServiceScope(Optional.of(Path.of("/usr/bin/systemd-run")))
                .wrap(id, qemu("sysd-scoped"));
        ok(sh("cg=$(systemctl show -p ControlGroup --value hearth-agent)"
                + " && for f in /sys/fs/cgroup$cg/cgroup.procs /sys/fs/cgroup/*$cg/cgroup.procs; do"
                + " if [ -f \"$f\" ]; then echo $$ > \"$f\"; fi; done"
                + " && setsid -f " + words(scoped) + " </dev/null >/dev/null 2>&1"
                + " && setsid -f " + words(qemu("sysd-unscoped")) + " </dev/null >/dev/null 2>&1"));
        // [s]: the pattern does not match the shell that runs pgrep
        Cluster.await("both VMs run", Duration.ofSeconds(30),
                () -> sh("pgrep -f 'name sysd-[s]coped' && pgrep -f 'name sysd-[u]nscoped'").rc() == 0);
        String vm = ok(sh("pgrep -f 'name sysd-[s]coped'"));
        assertThat(ok(sh("cat /proc/" + vm + "/cgroup"))).contains("/hearth-vms.slice/hearth-vm-" + id + "-");
        assertThat(ok(sh("cat /proc/$(pgrep -f 'name sysd-[u]nscoped')/cgroup"))).contains("hearth-agent.service");

        ok(sh("systemctl restart hearth-agent"));
        assertThat(sh("pgrep -f 'name sysd-[u]nscoped'").rc()).as("a VM in the agent's cgroup dies with it")
                .isNotZero();
        assertThat(sh("pgrep -f 'name sysd-[s]coped'").out()).as("the scoped VM outlives the restart").isEqualTo(vm);
        assertThat(ok(host("docker", "inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", container)))
                .as("the instance's container outlives the restart").isEqualTo("true " + startedAt);
        Cluster.await("the new agent is connected", Duration.ofSeconds(60),
                () -> rest.api("GET", "/v1/nodes/" + nodeId, null).path("connected").asBoolean());
        rest.awaitHealthy(nodeId, id, hostPort);
        assertThat(rest.instance(nodeId, id).orElseThrow().path("restarts").asInt()).as("adopted, not restarted")
                .isZero();
        HttpResponse<String> destroyed = rest.call("DELETE", "/v1/nodes/" + nodeId + "/instances/" + id + "?wait=60s",
                null);
        assertThat(destroyed.statusCode()).as(destroyed.body()).isEqualTo(200);
        instanceIds.clear();

        ok(sh("systemctl stop hearth-agent hearth-coordinator"));
        assertThat(sh("pgrep -af '[j]ava|[h]earth'").out()).as("stop leaves no Hearth process").isEmpty();
        assertThat(sh("pgrep -f '[q]emu-system'").out()).as("only the scoped VM, by design").isEqualTo(vm);
        ok(sh("systemctl stop 'hearth-vm-*.scope'"));
    }

    /** A QEMU that does nothing until killed, told apart by its name. */
    private static List<String> qemu(String name) {
        return List.of("qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none", "-name", name);
    }

    /** {@code argv} as words of a shell command line. */
    private static String words(List<String> argv) {
        return String.join(" ", argv.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
    }

    private record Result(int rc, String out) {
    }

    private static String ok(Result r) {
        assertThat(r.rc()).as(r.out()).isZero();
        return r.out();
    }

    /** A command on this host; exit status 127 when it is not installed. */
    private static Result host(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return new Result(127, cmd[0] + ": " + e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, out + " (timed out)");
        }
        return new Result(p.exitValue(), out);
    }

    /** A bash script run in the box as root. */
    private Result sh(String script) throws Exception {
        return host("docker", "exec", box, "bash", "-c", script);
    }

    private void write(String file, String text) throws Exception {
        Process p = new ProcessBuilder("docker", "exec", "-i", box, "sh", "-c", "cat > " + file)
                .redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor()).as("writing %s in the box", file).isZero();
    }
}
