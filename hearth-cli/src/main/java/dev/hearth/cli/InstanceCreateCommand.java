// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.agent.instances.InstanceState;
import dev.hearth.agent.instances.Instances;
import dev.hearth.core.instance.InstanceDocument;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.core.json.Json;
import dev.hearth.agent.host.HostRuntimes;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth instance create|setup}: fireclaw's vm-setup, with its flags and defaults. */
@Command(name = "create", aliases = "setup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Creates an OpenClaw instance: validate, allocate, disk/image, boot, wait, provision, proxy, "
                + "health; any failure removes everything made.",
            "Secrets may come from the environment instead of flags (flags show in process lists): "
                    + "TELEGRAM_BOT_TOKEN, ANTHROPIC_API_KEY, OPENAI_API_KEY, MINIMAX_API_KEY."})
@Prints(Prints.Kind.MESSAGE)
final class InstanceCreateCommand implements Callable<Integer> {

    @ParentCommand
    InstanceCommand instance;
    @Spec
    CommandSpec spec;

    @Option(names = "--instance", paramLabel = "ID", description = "Instance id, " + InstanceSpec.ID_FORM + ".")
    String id;
    @Option(names = "--telegram-token", paramLabel = "T", description = "Telegram bot token (or TELEGRAM_BOT_TOKEN).")
    String telegramToken;
    @Option(names = "--telegram-users", paramLabel = "CSV", description = "Telegram user ids allowed (DM allowlist).")
    String telegramUsers;
    @Option(names = "--model", paramLabel = "M", description = "Model id (default " + InstanceSpec.DEFAULT_MODEL + ").")
    String model;
    @Option(names = "--skills", paramLabel = "CSV", description = "Bundled skills (default github,tmux,coding-agent,"
            + "session-logs,skill-creator).")
    String skills;
    @Option(names = "--openclaw-image", paramLabel = "I", description = "Image (default hearth/openclaw:"
            + dev.hearth.sandbox.image.OpenClawImage.DEFAULT_OPENCLAW_VERSION + ", built locally when missing).")
    String image;
    @Option(names = "--host-port", paramLabel = "P", description = "Loopback port (default: first free above BASE_PORT).")
    String hostPort;
    @Option(names = "--vm-vcpu", paramLabel = "N", description = "vCPUs (default 4; containers get at most the host's).")
    String vcpus;
    @Option(names = "--vm-mem-mib", paramLabel = "N", description = "Memory in MiB (default 8192).")
    String memory;
    @Option(names = "--disk-size", paramLabel = "SIZE", description = "Guest disk size (default 40G; microVMs).")
    String disk;
    @Option(names = "--anthropic-api-key", paramLabel = "K", description = "Anthropic API key (or ANTHROPIC_API_KEY).")
    String anthropic;
    @Option(names = "--openai-api-key", paramLabel = "K", description = "OpenAI API key (or OPENAI_API_KEY).")
    String openai;
    @Option(names = "--minimax-api-key", paramLabel = "K", description = "MiniMax API key (or MINIMAX_API_KEY).")
    String minimax;
    @Option(names = "--skip-browser-install", description = "Do not install or configure a browser.")
    boolean skipBrowser;
    @Option(names = "--runtime", paramLabel = "R", description = "docker (default), qemu or firecracker.")
    String runtime;
    @Option(names = "--base-kernel", paramLabel = "FILE", description = "Guest kernel (microVMs; vmlinux for "
            + "firecracker); default: Hearth's, from 'hearth image build-vm'.")
    String baseKernel;
    @Option(names = "--base-rootfs", paramLabel = "FILE", description = "Guest root, an ext4 with Hearth's guest "
            + "init and OpenClaw (microVMs); default: the one 'hearth image build-openclaw --vm' makes.")
    String baseRootfs;
    @Option(names = "--base-initrd", paramLabel = "FILE", description = "Guest initrd (microVMs).")
    String baseInitrd;
    @Option(names = "--allow", paramLabel = "HOST:PORT", description = "Egress allowlist: only TCP to these "
            + "HOST:PORT, IP:PORT or CIDR:PORT leaves the instance, and its DNS answers only allowed names (repeatable;"
            + " default: the public internet).")
    List<String> allow = new java.util.ArrayList<>();
    @Option(names = {"-v", "--verbose"}, description = "Show each step's details.")
    boolean verbose;
    @Option(names = "--node", paramLabel = "ID", description = "Create it on this node of the coordinator, through "
            + "its API (the secrets travel in the request to the coordinator and on to the node's agent).")
    String node;
    @Option(names = "--coordinator", paramLabel = "URL", description = "Coordinator address for --node "
            + "(default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = instance.parent.environment();
        PrintWriter err = spec.commandLine().getErr();
        for (String[] flag : new String[][] {{"--telegram-token", telegramToken, "TELEGRAM_BOT_TOKEN"},
                {"--anthropic-api-key", anthropic, "ANTHROPIC_API_KEY"}, {"--openai-api-key", openai, "OPENAI_API_KEY"},
                {"--minimax-api-key", minimax, "MINIMAX_API_KEY"}}) {
            if (flag[1] != null) {
                err.println("hearth: warning: " + flag[0] + " on the command line shows in process lists; "
                        + "prefer " + flag[2] + " in the environment");
            }
        }
        InstanceSpec request = InstanceSpec.builder().id(id)
                .telegramToken(orEnv(telegramToken, env, "TELEGRAM_BOT_TOKEN")).telegramUsers(telegramUsers)
                .model(model).skills(skills).openclawImage(image).hostPort(hostPort).vcpus(vcpus).memoryMib(memory)
                .diskSize(disk).anthropicApiKey(orEnv(anthropic, env, "ANTHROPIC_API_KEY"))
                .openaiApiKey(orEnv(openai, env, "OPENAI_API_KEY")).minimaxApiKey(orEnv(minimax, env, "MINIMAX_API_KEY"))
                .skipBrowserInstall(skipBrowser).runtime(runtime).baseKernel(baseKernel).baseRootfs(baseRootfs)
                .baseInitrd(baseInitrd).allow(allow).build();
        if (node != null) {
            return remote(env, err);
        }
        instance.settings();
        try (HostRuntimes host = instance.parent.host(); InstanceProgress progress = new InstanceProgress(err, verbose)) {
            Instances instances = instance.open(host);
            InstanceState made = createRollingBackOnSignal(instances, request, progress, err);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("instance %s is up%n  runtime  %s%n  proxy    http://127.0.0.1:%d (health: /health)%n"
                    + "  state    %s%n  token    hearth instance token %s%n", made.id(), made.runtime().label(),
                    made.hostPort(), instances.store().folder(made.id()), made.id());
        }
        return 0;
    }

    /**
     * Creates the instance; on SIGTERM or Ctrl-C meanwhile, interrupts the create, whose rollback then removes what
     * it made, and lets the JVM end only once that is done (or after a minute), so a killed create leaves nothing.
     */
    private static InstanceState createRollingBackOnSignal(Instances instances, InstanceSpec request,
            InstanceProgress progress, PrintWriter err) throws Exception {
        Thread creating = Thread.currentThread();
        CountDownLatch finished = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean signalled = new java.util.concurrent.atomic.AtomicBoolean();
        Thread rollback = new Thread(() -> {
            signalled.set(true);
            creating.interrupt();
            try {
                finished.await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hearth-create-rollback");
        Runtime.getRuntime().addShutdownHook(rollback);
        try {
            return instances.create(request, progress);
        } catch (Exception e) {
            if (signalled.get()) {
                // The JVM ends as soon as the hook returns: say what happened now, not in the usual error handler.
                err.println("hearth: " + e.getMessage());
                err.flush();
            }
            throw e;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(rollback);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it has what it waited for
            }
        }
    }

    /** Sends the (already validated) request to the node through the coordinator and follows it to its end. */
    private int remote(Map<String, String> env, PrintWriter err) throws Exception {
        InstanceDocument doc = new InstanceDocument(id, orEnv(telegramToken, env, "TELEGRAM_BOT_TOKEN"), telegramUsers,
                model, skills, image, hostPort, vcpus, memory, disk, orEnv(anthropic, env, "ANTHROPIC_API_KEY"),
                orEnv(openai, env, "OPENAI_API_KEY"), orEnv(minimax, env, "MINIMAX_API_KEY"),
                skipBrowser ? Boolean.TRUE : null, runtime, baseKernel, baseRootfs, baseInitrd,
                allow.isEmpty() ? null : allow);
        err.println("creating instance " + id + " on node " + node + " through the coordinator");
        JsonNode done = InstanceRemote.run(CoordinatorClient.from(coordinator, env), "POST", "/v1/nodes/"
                + LedgerCommand.encode(node) + "/instances", Json.mapper().writeValueAsString(doc), err);
        spec.commandLine().getOut().printf("instance %s is up on node %s%n  runtime  %s%n  proxy    "
                + "http://127.0.0.1:%d on the node (health: %s)%n", id, node, done.at("/instance/runtime").asText(),
                done.at("/instance/hostPort").asInt(), done.at("/instance/health").asText());
        return 0;
    }

    private static String orEnv(String flag, Map<String, String> env, String name) {
        if (flag != null) {
            return flag;
        }
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }
}
