// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.instances.InstanceState;
import dev.hearth.agent.instances.InstanceSupervisor;
import dev.hearth.agent.instances.InstanceView;
import dev.hearth.agent.instances.Instances;
import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.LogSink;
import dev.hearth.agent.host.HostRuntimes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** fireclaw's vm-ctl commands: each works whatever state the instance is in. */
final class InstanceLifecycle {

    private InstanceLifecycle() {
    }

    /** What every lifecycle command shares: the parent, the output, and an open {@link Instances}. */
    abstract static class Base implements Callable<Integer> {
        @ParentCommand
        InstanceCommand instance;
        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Option(names = "--node", paramLabel = "ID",
                description = "Run it on this node of the coordinator, through its API (start, stop, restart, pause, "
                        + "resume, destroy; list shows that node's instances; logs its guest's last 200 lines).")
        String node;
        @Option(names = "--coordinator", paramLabel = "URL", description = "Coordinator address for --node "
                + "(default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
        String coordinator;

        @Override
        public Integer call() throws Exception {
            if (node != null) {
                return remote(CoordinatorClient.from(coordinator, instance.parent.environment()));
            }
            instance.settings();
            try (HostRuntimes host = instance.parent.host()) {
                return run(instance.open(host));
            }
        }

        abstract int run(Instances instances) throws Exception;

        /** The command through the coordinator on {@link #node}; only some commands can. */
        int remote(CoordinatorClient client) throws Exception {
            throw new InvalidInputException("--node", node, "a flag of start, stop, restart, pause, resume, destroy, "
                    + "create, list and logs only; run this command on the node itself");
        }

        /** Sends {@code action} for {@code id} to the node and says how it ended. */
        int remoteAction(CoordinatorClient client, String id, String action) throws Exception {
            String path = "/v1/nodes/" + LedgerCommand.encode(node) + "/instances/" + LedgerCommand.encode(id);
            var done = action.equals("destroy") ? InstanceRemote.run(client, "DELETE", path, null, err())
                    : InstanceRemote.run(client, "POST", path + "/" + action, null, err());
            err().println("instance " + id + " on node " + node + ": " + action + " done"
                    + (done.has("instance") ? " (" + done.at("/instance/state").asText() + ")" : ""));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists instances: "
            + "INSTANCE IP PORT RUNTIME STATE PROXY HEALTH; with --coordinator (or --node) the cluster's, as the "
            + "nodes reported them.")
    @Prints(Prints.Kind.DATA)
    static final class ListCmd extends Base {
        @picocli.CommandLine.Mixin
        JsonOutput json;

        @Override
        public Integer call() throws Exception {
            if (node != null || coordinator != null) {
                InstanceRemote.list(CoordinatorClient.from(coordinator, instance.parent.environment()), node,
                        json.on(), out(), instance.parent.environment());
                return 0;
            }
            return super.call();
        }

        @Override
        int run(Instances instances) throws Exception {
            List<InstanceView> all = instances.list();
            if (json.on()) {
                JsonOutput.print(out(), java.util.Map.of("instances",
                        all.stream().map(InstanceView::protocolReport).toList()));
                return 0;
            }
            if (all.isEmpty()) {
                out().println("no instances");
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            for (InstanceView v : all) {
                rows.add(new String[] {v.state().id(), ip(v), Integer.toString(v.state().hostPort()),
                    v.state().runtime().label(), v.guestState(), v.proxy().startsWith("listening") ? "listening"
                            : v.proxy(), v.health()});
            }
            Table.of(rows, Table.Column.keep("INSTANCE"), Table.Column.keep("IP"), Table.Column.keep("PORT"),
                    Table.Column.keep("RUNTIME"), Table.Column.keep("STATE"), Table.Column.free("PROXY"),
                    Table.Column.free("HEALTH")).print(out(), instance.parent.environment());
            return 0;
        }
    }

    static String ip(InstanceView v) {
        if (v.state().guestIp() != null) {
            return v.state().guestIp();
        }
        return v.guest().flatMap(g -> g.address()).orElse("-");
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows one instance, in any state.")
    @Prints(Prints.Kind.DATA)
    static final class Status extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;
        @picocli.CommandLine.Mixin
        JsonOutput json;

        @Override
        int run(Instances instances) throws Exception {
            InstanceView v = instances.status(id);
            InstanceState s = v.state();
            PrintWriter o = out();
            if (json.on()) {
                // the protocol's report (as instance list --json and the API show it), and what only status adds
                var doc = dev.hearth.core.json.Json.mapper().valueToTree(v.protocolReport());
                ((com.fasterxml.jackson.databind.node.ObjectNode) doc).put("guestName", s.guestName())
                        .put("image", s.image()).put("model", s.model()).put("vcpus", s.vcpus())
                        .put("memoryMib", s.memoryMib()).put("stateDir", instances.store().folder(s.id()).toString())
                        .put("startedAt", v.guest().flatMap(g -> g.startedAt()).map(Object::toString).orElse(null));
                JsonOutput.print(o, doc);
                return 0;
            }
            o.println("instance:   " + s.id());
            o.println("runtime:    " + s.runtime().label() + " (" + s.guestName() + ", image " + s.image() + ")");
            o.println("state:      " + v.guestState() + " (wanted: " + s.desired().name().toLowerCase() + ")");
            v.guestError().ifPresent(e -> o.println("engine:     " + e));
            o.println("address:    " + ip(v));
            o.println("port:       127.0.0.1:" + s.hostPort());
            o.println("proxy:      " + v.proxy());
            o.println("health:     " + v.health());
            o.println("restarts:   " + v.report().restarts());
            // The supervisor's record of the last crash; else the guest's own last stop (a stop by hand).
            o.println("last exit:  " + (v.report().lastExit() != null
                    ? v.report().lastExit() + " at " + v.report().lastExitAt()
                    : v.guest().filter(g -> !g.running()).flatMap(g -> g.lastExit()).orElse("-")));
            v.guest().flatMap(g -> g.startedAt()).ifPresent(t -> o.println("started:    " + t));
            o.println("model:      " + s.model());
            o.println("resources:  " + s.vcpus() + " vCPU, " + s.memoryMib() + " MiB");
            o.println("state dir:  " + instances.store().folder(s.id()));
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Starts a stopped instance.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Start extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        int run(Instances instances) throws Exception {
            try (InstanceProgress progress = new InstanceProgress(err(), false)) {
                instances.start(id, progress);
            }
            return 0;
        }

        @Override
        int remote(CoordinatorClient client) throws Exception {
            return remoteAction(client, id, "start");
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stops an instance, whether or not its gateway answers.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Stop extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        int run(Instances instances) throws Exception {
            try (InstanceProgress progress = new InstanceProgress(err(), false)) {
                instances.stop(id, progress);
            }
            return 0;
        }

        @Override
        int remote(CoordinatorClient client) throws Exception {
            return remoteAction(client, id, "stop");
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = {"Pauses a running qemu instance to disk: its memory is saved in its state folder and its "
                    + "VM ends, freeing the memory; 'resume' goes on where it was.",
                "Docker and Firecracker instances are refused."})
    @Prints(Prints.Kind.MESSAGE)
    static final class Pause extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        int run(Instances instances) throws Exception {
            try (InstanceProgress progress = new InstanceProgress(err(), false)) {
                instances.pause(id, progress);
            }
            return 0;
        }

        @Override
        int remote(CoordinatorClient client) throws Exception {
            return remoteAction(client, id, "pause");
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resumes a paused instance from its saved memory, with the same disk, address and secrets.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Resume extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        int run(Instances instances) throws Exception {
            try (InstanceProgress progress = new InstanceProgress(err(), false)) {
                instances.resume(id, progress);
            }
            return 0;
        }

        @Override
        int remote(CoordinatorClient client) throws Exception {
            return remoteAction(client, id, "resume");
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Stops (if running) and starts an instance.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Restart extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        int run(Instances instances) throws Exception {
            try (InstanceProgress progress = new InstanceProgress(err(), false)) {
                instances.restart(id, progress);
            }
            return 0;
        }

        @Override
        int remote(CoordinatorClient client) throws Exception {
            return remoteAction(client, id, "restart");
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = "Shows the gateway's output (guest, default) or the supervisor's events (host).")
    @Prints(Prints.Kind.STREAM)
    static final class Logs extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The instance's id.")
        String id;
        @Parameters(index = "1", arity = "0..1", paramLabel = "guest|host",
                description = "guest (the gateway's output, default) or host (the supervisor's events).")
        String which;
        @Option(names = {"-f", "--follow"}, description = "Keep following new output.")
        boolean follow;
        @Option(names = "--tail", paramLabel = "N", defaultValue = "200", description = "Lines of history (default 200; -1: all).")
        int tail;

        @Override
        int run(Instances instances) throws Exception {
            if (which != null && !which.equals("guest") && !which.equals("host")) {
                throw new InvalidInputException("logs source", which, "guest or host");
            }
            PrintWriter o = out();
            LogSink to = (stream, bytes, off, len) -> {
                o.print(new String(bytes, off, len, StandardCharsets.UTF_8));
                o.flush();
            };
            instances.logs(id, "host".equals(which), tail, follow, to);
            return 0;
        }

        /** The tail of the guest's output as the node's agent sends it through the coordinator: once, 200 lines. */
        @Override
        int remote(CoordinatorClient client) throws Exception {
            if (follow || "host".equals(which) || tail != 200) {
                throw new InvalidInputException("--node", node, "the guest's last 200 lines only: without --follow, "
                        + "--tail or host; run 'hearth instance logs' on the node itself for those");
            }
            out().print(client.getText("/v1/nodes/" + LedgerCommand.encode(node) + "/instances/"
                    + LedgerCommand.encode(id) + "/logs"));
            out().flush();
            return 0;
        }
    }

    @Command(name = "shell", mixinStandardHelpOptions = true,
            description = "Runs CMD in the guest, or an interactive shell with a TTY when no CMD is given.")
    @Prints(Prints.Kind.SERVICE)
    static final class Shell extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The instance's id.")
        String id;
        @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD",
                description = "The command to run in the guest (default: an interactive shell).")
        List<String> command = new ArrayList<>();

        @Override
        int run(Instances instances) throws Exception {
            boolean tty = command.isEmpty() && System.console() != null;
            Terminal raw = tty ? Terminal.raw() : Terminal.NONE;
            try {
                long code = instances.shell(id, command, raw.size(), System.in, new WriterStream(out()),
                        new WriterStream(err()));
                return (int) Math.max(0, Math.min(255, code));
            } finally {
                raw.restore();
            }
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Prints the gateway token.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Token extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        public Integer call() throws Exception {
            // No engine needed: the token is in the state folder.
            instance.settings();
            out().println(Instances.openClaw(instance.settings(), java.util.Map.of()).token(id));
            return 0;
        }

        @Override
        int run(Instances instances) {
            throw new IllegalStateException("not used");
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Removes an instance with its guest, proxy and state (asks y/N without --force).")
    @Prints(Prints.Kind.MESSAGE)
    static final class Destroy extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;
        @Option(names = "--force", description = "Do not ask.")
        boolean force;

        @Override
        int run(Instances instances) throws Exception {
            instances.status(id);
            if (!confirmed()) {
                return 1;
            }
            instances.destroy(id, new InstanceProgress(err(), false));
            return 0;
        }

        @Override
        int remote(CoordinatorClient client) throws Exception {
            return confirmed() ? remoteAction(client, id, "destroy") : 1;
        }

        private boolean confirmed() throws java.io.IOException {
            if (!force) {
                err().print("Destroy instance " + id + " with its guest and state? [y/N] ");
                err().flush();
                String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (answer == null || !answer.strip().equalsIgnoreCase("y") && !answer.strip().equalsIgnoreCase("yes")) {
                    err().println("not destroyed");
                    return false;
                }
            }
            return true;
        }
    }

    @Command(name = "provision", mixinStandardHelpOptions = true,
            description = "Runs provisioning again (config, doctor --fix) and restarts the gateway.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Provision extends Base {
        @Parameters(paramLabel = "ID", description = "The instance's id.")
        String id;

        @Override
        int run(Instances instances) throws Exception {
            instances.provision(id, new InstanceProgress(err(), true));
            return 0;
        }
    }

    @Command(name = "supervise", mixinStandardHelpOptions = true,
            description = {"Runs the instance supervisor for STATE_ROOT until SIGTERM: proxies, restarts with backoff, "
                    + "health. 'hearth agent' runs the same supervisor; use this on a host without a coordinator."})
    @Prints(Prints.Kind.SERVICE)
    static final class Supervise extends Base {
        @picocli.CommandLine.Option(names = "--idle-pause", paramLabel = "DURATION",
                description = {"Pause a running qemu instance to disk once its port has carried no connection for "
                        + "DURATION (e.g. 10m; the supervisor's health probes aside). A paused instance wakes on "
                        + "the next connection to its port, with or without this option.",
                    "Default: never pause on idle."})
        String idlePause;

        @Override
        int run(Instances instances) throws Exception {
            ServiceLogging.infoUnlessSet(instance.parent.environment());
            java.util.Optional<java.time.Duration> idle = idlePause == null ? java.util.Optional.empty()
                    : java.util.Optional.of(dev.hearth.core.units.DurationText.parsePositive("--idle-pause",
                            idlePause.strip()));
            CountDownLatch stopped = new CountDownLatch(1);
            InstanceSupervisor supervisor = InstanceSupervisor.start(instances, InstantSource.system(), idle);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                supervisor.close();
                stopped.countDown();
            }, "hearth-supervisor-stop"));
            err().println("hearth: supervising the instances of " + instances.store().root());
            err().flush();
            stopped.await();
            return 0;
        }
    }
}
