package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.receipt.NodeKeys;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth node list}: the coordinator's nodes as a table; {@code hearth node key}: this host's node key. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Shows the nodes of a coordinator, or exports this host's node key.",
        subcommands = {NodeCommand.ListNodes.class, NodeCommand.Key.class})
final class NodeCommand {

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--coordinator", scope = picocli.CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    /** {@code hearth node key [--state DIR] [-o FILE]}: the agent's public key, for {@code hearth verify --key}. */
    @Command(name = "key", mixinStandardHelpOptions = true,
            description = "Prints (or writes) this host's node public key, as 'hearth verify --key' reads it.")
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
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists nodes: id, host, state, GPUs, jobs, last heartbeat age.")
    static final class ListNodes implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NodeCommand node;

        @Override
        public Integer call() throws Exception {
            JsonNode nodes = CoordinatorClient.from(node.coordinator, node.parent.environment()).get("/v1/nodes");
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-36s  %-20s  %-8s  %4s  %4s  %s%n", "NODE", "HOST", "STATE", "GPUS", "JOBS", "HEARTBEAT");
            for (JsonNode n : nodes.path("nodes")) {
                out.printf("%-36s  %-20s  %-8s  %4d  %4d  %s%n", n.path("id").asText(), n.path("hostname").asText(),
                        n.path("state").asText(), n.path("gpus").size(), n.path("jobs").asInt(),
                        n.hasNonNull("lastHeartbeatAgeSeconds") ? n.get("lastHeartbeatAgeSeconds").asLong() + "s ago" : "never");
            }
            return 0;
        }
    }
}
