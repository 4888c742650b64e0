// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.docker.DockerGuests;
import dev.hearth.agent.instances.InstanceSettings;
import dev.hearth.agent.instances.InstanceState;
import dev.hearth.agent.instances.InstanceSupervisor;
import dev.hearth.agent.instances.Instances;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.OpenClawImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth instance: bad input, empty list, unavailable runtimes, prompts and the agent's systemd unit")
class InstanceCommandTest {

    @TempDir
    Path dir;
    Map<String, String> env;

    @BeforeEach
    void environment() {
        env = new HashMap<>(System.getenv());
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        env.put("STATE_ROOT", dir.resolve("state").toString());
        env.put("TELEGRAM_BOT_TOKEN", "123456:ABC-def");
    }

    private CliRun run(String... args) {
        return CliRun.of(env, args);
    }

    @Test
    @DisplayName("list says 'no instances' when there are none, without a blank row")
    void emptyList() {
        CliRun r = run("instance", "list");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("no instances\n");
    }

    @Test
    @DisplayName("firecracker refused where it cannot run; missing --base-* files on qemu; --base-* on docker")
    void microVmRuntimes() {
        CliRun r = run("instance", "create", "--instance", "vm1", "--runtime", "firecracker");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--runtime 'firecracker'").contains("firecracker executable 'firecracker' "
                + "not found").contains("HEARTH_FIRECRACKER").contains("--runtime qemu");
        CliRun kernel = run("instance", "create", "--instance", "vm1", "--runtime", "qemu", "--base-kernel",
                dir.resolve("no-such-kernel").toString());
        assertThat(kernel.exit()).isEqualTo(2);
        assertThat(kernel.err()).contains("--base-kernel '" + dir.resolve("no-such-kernel") + "'")
                .contains("readable file");
        CliRun rootfs = run("instance", "create", "--instance", "vm1", "--runtime", "qemu", "--base-rootfs",
                dir.resolve("root.ext4").toString());
        assertThat(rootfs.exit()).isEqualTo(2);
        assertThat(rootfs.err()).contains("--base-rootfs").contains("readable file");
        CliRun docker = run("instance", "create", "--instance", "vm1", "--base-initrd", "/boot/initrd.img");
        assertThat(docker.exit()).isEqualTo(2);
        assertThat(docker.err()).contains("--base-initrd '/boot/initrd.img'").contains("--runtime qemu or firecracker");
        assertThat(dir.resolve("state/vm1")).doesNotExist();
    }

    @Test
    @DisplayName("bad flags exit 2 naming the flag; a token on the command line is warned about and never echoed")
    void badFlags() {
        CliRun id = run("instance", "setup", "--instance", "My Bot");
        assertThat(id.exit()).isEqualTo(2);
        assertThat(id.err()).contains("instance id 'My Bot' is invalid: it must match [a-z0-9_-]{1,63}");
        CliRun port = run("instance", "create", "--instance", "a", "--host-port", "70000");
        assertThat(port.exit()).isEqualTo(2);
        assertThat(port.err()).contains("--host-port '70000'").contains("1..65535");
        CliRun allow = run("instance", "create", "--instance", "a", "--allow", "api.anthropic.com:443", "--allow",
                "api.anthropic.com");
        assertThat(allow.exit()).isEqualTo(2);
        assertThat(allow.err()).contains("--allow 'api.anthropic.com' is invalid").contains("HOST:PORT");
        CliRun jobAllow = run("run", "--network", "nat", "--allow", "api.anthropic.com", "--", "true");
        assertThat(allow.err().lines().filter(l -> l.contains("--allow")).findFirst())
                .isEqualTo(jobAllow.err().lines().filter(l -> l.contains("--allow")).findFirst());
        // a microVM instance takes --allow as a container does: here it gets as far as the missing supervisor
        CliRun vmAllow = run("instance", "create", "--instance", "a", "--runtime", "qemu", "--allow", "a.b:443");
        assertThat(vmAllow.exit()).isEqualTo(2);
        assertThat(vmAllow.err()).doesNotContain("--allow").contains("hearth instance supervise");
        CliRun token = run("instance", "create", "--instance", "a", "--telegram-token", "bad token");
        assertThat(token.exit()).isEqualTo(2);
        assertThat(token.err()).contains("process lists").contains("--telegram-token '(hidden)'")
                .doesNotContain("bad token");
        env.remove("TELEGRAM_BOT_TOKEN");
        CliRun missing = run("instance", "create", "--instance", "a");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--telegram-token is required");
        env.put("BASE_PORT", "0");
        assertThat(run("instance", "list").err()).contains("BASE_PORT '0'");
    }

    @Test
    @DisplayName("create without a supervisor, or on a port another process listens on, exits 2 and makes nothing")
    void refusedBeforeAnything() throws Exception {
        CliRun r = run("instance", "create", "--instance", "lonely");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("hearth instance supervise");
        InstanceSettings settings = InstanceSettings.from(env, dir.resolve("home"));
        Instances instances = Instances.openClaw(settings,
                Map.of(InstanceRuntime.DOCKER, new DockerGuests(DockerFixture.driver(), settings.stateRoot(),
                        OpenClawImage::buildOwn)));
        try (InstanceSupervisor ignored = InstanceSupervisor.start(instances, InstantSource.system());
                ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CliRun taken = run("instance", "create", "--instance", "taken", "--host-port",
                    Integer.toString(held.getLocalPort()));
            assertThat(taken.exit()).isEqualTo(2);
            assertThat(taken.err()).contains("listening on " + held.getLocalPort());
        }
        assertThat(run("instance", "list").out()).isEqualTo("no instances\n");
        assertThat(run("instance", "list", "--json").out()).isEqualToIgnoringWhitespace("{\"instances\": []}");
    }

    @Test
    @DisplayName("status, token and destroy work on an instance whose guest is gone; destroy asks y/N without --force")
    void anyState() throws Exception {
        InstanceSettings settings = InstanceSettings.from(env, dir.resolve("home"));
        Instances instances = Instances.openClaw(settings, Map.of());
        assertThat(run("instance", "status", "ghost").err()).contains("instance id 'ghost'")
                .contains("an existing instance");
        java.nio.file.Files.createDirectories(settings.stateRoot().resolve("ghost"));
        instances.store().write(new InstanceState("ghost", InstanceRuntime.DOCKER, 28999, null, "hearth-ghost-none",
                "hearth/openclaw:2026.9.6", "a/b", List.of(), List.of(), 1, 256, "40G", true, false,
                InstanceState.Desired.RUNNING, Instant.EPOCH, List.of()));
        CliRun status = run("instance", "status", "ghost");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("state:      missing (wanted: running)").contains("proxy:      down (no supervisor)");
        CliRun list = run("instance", "list");
        assertThat(list.out()).startsWith("INSTANCE  IP  PORT   RUNTIME  STATE    PROXY").contains("ghost     -   28999  docker   missing");
        var listed = dev.hearth.core.json.Json.mapper().readTree(run("instance", "list", "--json").out());
        assertThat(listed.at("/instances/0/id").asText()).isEqualTo("ghost");
        assertThat(listed.at("/instances/0/state").asText()).isEqualTo("missing");
        assertThat(listed.at("/instances/0/hostPort").asInt()).isEqualTo(28999);
        var one = dev.hearth.core.json.Json.mapper().readTree(run("instance", "status", "ghost", "--json").out());
        assertThat(one.path("desired").asText()).isEqualTo("running");
        assertThat(one.path("image").asText()).isEqualTo("hearth/openclaw:2026.9.6");
        assertThat(one.toString()).doesNotContain("token");

        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("n\n".getBytes(StandardCharsets.UTF_8)));
            CliRun no = run("instance", "destroy", "ghost");
            assertThat(no.exit()).isEqualTo(1);
            assertThat(no.err()).contains("[y/N]").contains("not destroyed");
            assertThat(settings.stateRoot().resolve("ghost")).exists();
            System.setIn(new ByteArrayInputStream("y\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(run("instance", "destroy", "ghost").exit()).isZero();
        } finally {
            System.setIn(stdin);
        }
        assertThat(settings.stateRoot().resolve("ghost")).doesNotExist();
    }

    @Test
    @DisplayName("agent install-systemd writes one unit for the agent: restart on failure, token from a file, settings kept")
    void systemdUnit() {
        env.put("BASE_PORT", "19000");
        CliRun r = run("agent", "install-systemd", "--output", "-", "--token-file", "/etc/hearth/node token",
                "--coordinator", "ws://coord:7070", "--exec", "/opt/hearth/bin/hearth");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("[Unit]", "After=network-online.target docker.service", "[Service]",
                "ExecStart=/opt/hearth/bin/hearth agent --coordinator ws://coord:7070 --token-file "
                        + "\"/etc/hearth/node token\" --state " + dir.resolve("home/agent"),
                "Environment=BASE_PORT=19000", "Environment=STATE_ROOT=" + dir.resolve("state"),
                "Restart=on-failure", "KillSignal=SIGTERM", "WantedBy=multi-user.target")
                .doesNotContain("TELEGRAM").doesNotContain("hnt_");
    }

    @Test
    @DisplayName("the unit's words are quoted as systemd reads them")
    void quoting() {
        assertThat(SystemdUnit.quote("/usr/bin/java")).isEqualTo("/usr/bin/java");
        assertThat(SystemdUnit.quote("a b")).isEqualTo("\"a b\"");
        assertThat(SystemdUnit.quote("say \"hi\"\\")).isEqualTo("\"say \\\"hi\\\"\\\\\"");
    }
}
