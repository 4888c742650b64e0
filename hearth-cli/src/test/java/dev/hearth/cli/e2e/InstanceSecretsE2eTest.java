// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.OpenClawImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OpenClaw Docker instance with known secrets driven through a coordinator and an agent (both processes, logging
 * as a release does at DEBUG) by the CLI: create, logs, token, stop, start, list, destroy. Then every log line of
 * both services and everything the CLI printed is searched for each secret. The guest's egress is held to one
 * documentation address (198.51.100.7, TEST-NET-2), so the gateway's Telegram client reaches nothing outside.
 */
@Tag("e2e")
@DisplayName("An instance's secrets through coordinator, agent and CLI: in no log and no output but the token's own")
class InstanceSecretsE2eTest {

    private static final String TELEGRAM = "7261549380:AAH-known-Telegram-Secret-x9Q";
    private static final String ANTHROPIC = "sk-ant-known-Anthropic-Secret-4Wq8";

    @TempDir
    Path root;

    @Test
    @DisplayName("the Telegram token, the API key, the gateway token, the node token and the admin token appear in no "
            + "coordinator or agent log line and in no CLI output (but the token command's own)")
    void noSecretInAnyLog() throws Exception {
        OpenClawImage.ensure(DockerFixture.driver().images(), OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                BuildProgress.silent());
        String id = "sec-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> printed = new LinkedHashMap<>();
        String gatewayToken;
        String nodeToken;
        String admin;
        try (Cluster c = new Cluster(root).productionLogs("instance-secrets")
                .withEnv("BASE_PORT", Integer.toString(Cluster.freePort() / 2 + 20000))) {
            c.startCoordinator();
            nodeToken = c.startAgent("a", c.port()).token;
            admin = c.admin();
            c.awaitNodes("node online", n -> n.stream().anyMatch(x -> "online".equals(x.path("state").asText())));
            String node = c.api("GET", "/v1/nodes", null).path("nodes").get(0).get("id").asText();
            Map<String, String> remote = Map.of("HEARTH_COORDINATOR", c.base(), "HEARTH_TOKEN", admin,
                    "TELEGRAM_BOT_TOKEN", TELEGRAM, "ANTHROPIC_API_KEY", ANTHROPIC);
            try {
                cli(c, printed, "create", remote, "instance", "create", "--instance", id, "--node", node,
                        "--telegram-users", "42", "--vm-vcpu", "2", "--vm-mem-mib", "2048", "--skip-browser-install",
                        "--allow", "198.51.100.7:9");
                // on the node itself (the agent's HEARTH_HOME): the gateway token, printed by design
                Cluster.Finished token = c.run("instance", "token", id);
                assertThat(token.exit()).as(token.output()).isZero();
                gatewayToken = token.output().strip();
                assertThat(gatewayToken).hasSizeGreaterThan(16);
                Cluster.Finished logs = c.run(remote, "instance", "logs", id, "--node", node);
                assertThat(logs.exit()).as("the guest's log through the coordinator: %s", logs.output()).isZero();
                cli(c, printed, "stop", remote, "instance", "stop", id, "--node", node);
                cli(c, printed, "start", remote, "instance", "start", id, "--node", node);
                cli(c, printed, "list", remote, "instance", "list", "--node", node);
            } finally {
                cli(c, printed, "destroy", remote, "instance", "destroy", id, "--node", node, "--force");
            }
            Thread.sleep(1000); // the agent's last lines about the destroy
        } finally {
            removeContainers(id);
        }

        Map<String, String> secrets = Map.of("the Telegram token", TELEGRAM, "the Anthropic key", ANTHROPIC,
                "the gateway token", gatewayToken, "the node token", nodeToken, "the admin token", admin);
        List<Path> logs = new ArrayList<>();
        try (var files = Files.list(Path.of("target", "e2e-logs"))) {
            files.filter(f -> f.getFileName().toString().startsWith("instance-secrets-")).forEach(logs::add);
        }
        assertThat(logs).hasSize(2); // the coordinator's and the agent's
        for (Path log : logs) {
            String text = Files.readString(log);
            assertThat(text).as("%s says what it did", log).contains(id);
            secrets.forEach((what, value) -> assertThat(text).as("%s holds %s", log, what).doesNotContain(value));
        }
        printed.forEach((command, output) -> secrets.forEach((what, value) ->
                assertThat(output).as("the output of 'hearth instance %s' holds %s", command, what)
                        .doesNotContain(value)));
    }

    /** Runs a CLI command that must succeed, keeping its output (stdout and stderr) under {@code name}. */
    private static void cli(Cluster c, Map<String, String> printed, String name, Map<String, String> env,
            String... args) throws Exception {
        Cluster.Finished f = c.run(env, args);
        printed.put(name, f.output());
        assertThat(f.exit()).as("hearth %s: %s", String.join(" ", args), f.output()).isZero();
    }

    /** A failed run leaves no container of the instance behind. */
    private static void removeContainers(String id) throws Exception {
        Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter", "name=" + id).start();
        String ids = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        ps.waitFor(30, TimeUnit.SECONDS);
        for (String container : ids.lines().toList()) {
            new ProcessBuilder("docker", "rm", "-f", container).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
