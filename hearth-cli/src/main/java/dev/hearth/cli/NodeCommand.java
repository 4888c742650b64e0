// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.receipt.NodeKeys;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth node list|status|stake|cordon|drain|uncordon|limits|remove}: the coordinator's nodes, their reputation,
 * stake and cordon;
 * {@code hearth node key}: this host's node key.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Shows the nodes of a coordinator and stakes them, or exports this host's node key.",
        subcommands = {NodeCommand.ListNodes.class, NodeCommand.Status.class, NodeCommand.Stake.class,
                NodeCommand.Key.class, NodeCommand.Cordon.class, NodeCommand.Drain.class, NodeCommand.Uncordon.class,
                NodeCommand.Limits.class, NodeCommand.Remove.class})
final class NodeCommand {

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--coordinator", scope = picocli.CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    CoordinatorClient client() throws java.io.IOException {
        return CoordinatorClient.from(coordinator, parent.environment());
    }

    /** POSTs the JSON {@code body} to {@code /v1/nodes/ID/ACTION} (stake, cordon, drain, uncordon); the answer. */
    JsonNode act(String id, String action, String body) throws java.io.IOException, InterruptedException {
        return client().post("/v1/nodes/" + LedgerCommand.encode(id) + "/" + action, body, "application/json");
    }

    /** {@code hearth node key [--state DIR] [-o FILE]}: the agent's public key, for {@code hearth verify --key}. */
    @Command(name = "key", mixinStandardHelpOptions = true,
            description = "Prints (or writes) this host's node public key, as 'hearth verify --key' reads it.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Key implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Option(names = "--state", paramLabel = "DIR",
                description = "The agent's state folder (default: $HEARTH_HOME/agent or ~/.hearth/agent).")
        Path state;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write it to FILE (default: print it).")
        Path output;

        @Override
        public Integer call() throws Exception {
            Path dir = state != null ? state : HearthPaths.agentState(node.parent.environment());
            Path pub = dir.resolve(NodeIdentity.PUBLIC_KEY_FILE);
            if (!Files.isRegularFile(pub)) {
                throw new InvalidInputException("--state", dir.toString(), "the state folder of an agent that has "
                        + "started once (it holds " + NodeIdentity.PUBLIC_KEY_FILE + ")");
            }
            String key = Files.readString(pub).strip();
            String fingerprint = NodeKeys.fingerprint(NodeKeys.parse(pub.toString(), key));
            if (output == null) {
                spec.commandLine().getOut().println(key);
            } else {
                Files.writeString(output, key + "\n");
            }
            spec.commandLine().getErr().println("hearth: node key " + fingerprint
                    + (output == null ? "" : " written to " + output));
            return 0;
        }
    }

    /** {@code hearth node list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists nodes: id, host, state, GPUs, jobs, reputation, stake, last heartbeat age.")
    @Prints(Prints.Kind.DATA)
    static final class ListNodes implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        NodeCommand node;

        @Override
        public Integer call() throws Exception {
            JsonNode nodes = node.client().getAll("/v1/nodes", "nodes");
            PrintWriter out = spec.commandLine().getOut();
            if (json.on()) {
                JsonOutput.print(out, nodes);
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            for (JsonNode n : nodes.path("nodes")) {
                rows.add(new String[] {n.path("id").asText(), n.path("hostname").asText(),
                    n.path("state").asText() + cordonMark(n), Integer.toString(n.path("gpus").size()),
                    Integer.toString(n.path("jobs").asInt()),
                    String.format(java.util.Locale.ROOT, "%.3f", n.path("reputation").asDouble()),
                    n.path("stake").asText("0"), n.hasNonNull("lastHeartbeatAgeSeconds")
                            ? n.get("lastHeartbeatAgeSeconds").asLong() + "s ago" : "never"});
            }
            Table.of(rows, Table.Column.keep("NODE"), Table.Column.free("HOST"), Table.Column.keep("STATE"),
                    Table.Column.number("GPUS"), Table.Column.number("JOBS"), Table.Column.number("REPUTATION"),
                    Table.Column.number("STAKE"), Table.Column.keep("HEARTBEAT")).print(out, node.parent.environment());
            return 0;
        }
    }

    /** {@code hearth node status ID}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "One node: state, reputation and what it is made of, earnings, stake and instances.")
    @Prints(Prints.Kind.DATA)
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        NodeCommand node;
        @Parameters(paramLabel = "ID", description = "The node's id.") String id;

        @Override
        public Integer call() throws Exception {
            JsonNode n = node.client().get("/v1/nodes/" + LedgerCommand.encode(id));
            JsonNode s = n.path("standing");
            PrintWriter out = spec.commandLine().getOut();
            if (json.on()) {
                JsonOutput.print(out, n);
                return 0;
            }
            out.printf("node        %s (%s)%nstate       %s%s%njobs        %d held now%n", n.path("id").asText(),
                    n.path("hostname").asText(), n.path("state").asText(),
                    n.path("connected").asBoolean() ? ", connected" : ", not connected", n.path("jobs").asInt());
            out.printf("reputation  %.3f (results %d: verified %d, failed verification %d, timed out %d; lost %d; "
                    + "uptime %.3f)%n", n.path("reputation").asDouble(), s.path("results").asLong(),
                    s.path("verified").asLong(), s.path("failedVerification").asLong(), s.path("timedOut").asLong(),
                    s.path("lost").asLong(), s.path("uptime").asDouble());
            if (n.path("cordoned").asBoolean()) {
                out.printf("cordoned    %s (hearth node uncordon %s lifts it)%n", n.path("cordonReason").asText(),
                        n.path("id").asText());
            }
            out.printf("earnings    %s credits (node:%s)%nstake       %s credits (stake:%s)%n", n.path("balance").asText(),
                    n.path("id").asText(), n.path("stake").asText(), n.path("id").asText());
            if (n.has("instances")) {
                out.printf("instances   %d (reported %s)%n", n.get("instances").size(),
                        n.path("instancesReportedAt").asText());
                for (JsonNode i : n.get("instances")) {
                    out.printf("  %-24s  %-8s  %-8s  port %-5d  health %s  restarts %d%s%n", i.path("id").asText(),
                            i.path("runtime").asText(), i.path("state").asText(), i.path("hostPort").asInt(),
                            i.path("health").asText(), i.path("restarts").asInt(), i.hasNonNull("lastExit")
                                    ? "  last exit " + i.get("lastExit").asText() : "");
                }
            }
            return 0;
        }
    }

    /** {@code hearth node stake ID AMOUNT [--from ACCOUNT]}. */
    @Command(name = "stake", mixinStandardHelpOptions = true,
            description = {"Moves funds into a node's stake account (admin); staked nodes are preferred in placement.",
                "From the node's earnings (node:ID) unless --from names a client account, or external for a "
                        + "deposit straight into the stake."})
    @Prints(Prints.Kind.MESSAGE)
    static final class Stake implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Parameters(index = "0", paramLabel = "ID", description = "The node's id.") String id;
        @Parameters(index = "1", paramLabel = "AMOUNT", description = "Credits, e.g. 10 or 2.5.") String amount;
        @Option(names = "--from", paramLabel = "ACCOUNT",
                description = "Where the funds come from (default: node:ID): client:NAME (or NAME), or external.")
        String from;

        @Override
        public Integer call() throws Exception {
            Credits.parsePositive("AMOUNT", amount);
            ObjectNode body = Json.mapper().createObjectNode().put("amount", amount);
            if (from != null) {
                body.put("from", LedgerCommand.account(from, "--from"));
            }
            JsonNode t = node.act(id, "stake", body.toString());
            spec.commandLine().getOut().printf("staked %s credits from %s; node %s now has a stake of %s%n",
                    t.get("amount").asText(), t.get("from").asText(), id, t.get("stake").asText());
            return 0;
        }
    }

    /** {@code ,draining} or {@code ,cordoned} after a node's state in the list, or nothing. */
    static String cordonMark(JsonNode n) {
        return n.path("draining").asBoolean() ? ",draining" : n.path("cordoned").asBoolean() ? ",cordoned" : "";
    }

    /** {@code hearth node cordon ID [--reason TEXT]}. */
    @Command(name = "cordon", mixinStandardHelpOptions = true,
            description = {"Cordons a node (admin): the scheduler gives it no new jobs or instances; its running jobs "
                    + "go on.", "hearth node uncordon ID lifts it."})
    @Prints(Prints.Kind.MESSAGE)
    static final class Cordon implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Parameters(paramLabel = "ID", description = "The node's id.") String id;
        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, as node list and status show it "
                + "(default: cordoned by the caller).")
        String reason;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.mapper().createObjectNode();
            if (reason != null) {
                body.put("reason", reason);
            }
            JsonNode n = node.act(id, "cordon", body.toString());
            spec.commandLine().getOut().printf("node %s cordoned (%s); %d jobs still running on it%n", id,
                    n.path("cordonReason").asText(), n.path("jobs").asLong());
            return 0;
        }
    }

    /** {@code hearth node drain ID}. */
    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Drains a node (admin): cordoned with reason 'draining', so it gets no new jobs or "
                    + "instances while its running jobs finish.", "node list shows it as draining with its jobs "
                    + "left; hearth node uncordon ID ends the drain."})
    @Prints(Prints.Kind.MESSAGE)
    static final class Drain implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Parameters(paramLabel = "ID", description = "The node's id.") String id;

        @Override
        public Integer call() throws Exception {
            JsonNode n = node.act(id, "drain", "");
            spec.commandLine().getOut().printf("node %s draining: no new work; %d jobs left to finish%n", id,
                    n.path("jobs").asLong());
            return 0;
        }
    }

    /** {@code hearth node uncordon ID}. */
    @Command(name = "uncordon", mixinStandardHelpOptions = true,
            description = {"Lifts a node's cordon or drain (admin): the scheduler gives it jobs again.",
                "A node is cordoned automatically when its leases expire with no result too often "
                        + "(hearth coordinator --cordon-after-expiries); the expiries so far stop counting."})
    @Prints(Prints.Kind.MESSAGE)
    static final class Uncordon implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Parameters(paramLabel = "ID", description = "The node's id.") String id;

        @Override
        public Integer call() throws Exception {
            node.act(id, "uncordon", "");
            spec.commandLine().getOut().printf("node %s uncordoned%n", id);
            return 0;
        }
    }

    /** {@code hearth node limits ID [--slots N] [--cpus X] [--memory SIZE] [--gpus N] | --clear}. */
    @Command(name = "limits", mixinStandardHelpOptions = true,
            description = {"Sets the most of a node's declared capacity the scheduler believes (admin).",
                "Limits not named are not applied beyond what the node declares; they replace the coordinator's "
                        + "--node-max-* and --node-limit flags for this node. --clear goes back to the flags."})
    @Prints(Prints.Kind.MESSAGE)
    static final class Limits implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Parameters(paramLabel = "ID", description = "The node's id.") String id;
        @Option(names = "--slots", paramLabel = "N", description = "Concurrent jobs.") Integer slots;
        @Option(names = "--cpus", paramLabel = "CPUS", description = "CPUs, e.g. 2 or 0.5.") String cpus;
        @Option(names = "--memory", paramLabel = "SIZE", description = "Memory, e.g. 8g.") String memory;
        @Option(names = "--gpus", paramLabel = "N", description = "GPUs.") Integer gpus;
        @Option(names = "--clear", description = "Remove this node's limits (back to the coordinator's flags).")
        boolean clear;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.mapper().createObjectNode();
            if (!clear) {
                if (slots != null) {
                    body.put("slots", slots);
                }
                if (cpus != null) {
                    body.put("cpus", cpus);
                }
                if (memory != null) {
                    body.put("memory", memory);
                }
                if (gpus != null) {
                    body.put("gpus", gpus);
                }
                if (body.isEmpty()) {
                    throw new dev.hearth.core.InvalidInputException("--slots", "",
                            "at least one of --slots, --cpus, --memory, --gpus, or --clear");
                }
            }
            JsonNode r = node.client().put("/v1/nodes/" + LedgerCommand.encode(id) + "/limits", body.toString(),
                    "application/json");
            spec.commandLine().getOut().printf("node %s limits: %s%n", id,
                    r.get("limits").isNull() ? "none of its own (the coordinator's flags apply)" : r.get("limits"));
            return 0;
        }
    }

    /** {@code hearth node remove ID}: revokes the node's token, so it never registers again with that identity. */
    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Removes a node for good: revokes its token and closes its connection (admin).")
    @Prints(Prints.Kind.MESSAGE)
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;
        @Parameters(paramLabel = "ID", description = "The node's id.") String id;

        @Override
        public Integer call() throws Exception {
            node.client().delete("/v1/nodes/" + LedgerCommand.encode(id));
            spec.commandLine().getOut().println("node " + id + " removed; its token is revoked");
            return 0;
        }
    }
}
