package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth node list}: the coordinator's nodes as a table. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Shows the nodes of a coordinator.",
        subcommands = {NodeCommand.ListNodes.class})
final class NodeCommand {

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--coordinator", scope = picocli.CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

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
