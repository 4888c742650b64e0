package dev.hearth.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth token create}: a node token from the coordinator's admin API. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Manages node tokens.",
        subcommands = {TokenCommand.Create.class})
final class TokenCommand {

    @ParentCommand
    HearthCommand parent;

    /** {@code hearth token create [--ttl 1h] [--label L]}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates a node token; it binds to the first node that uses it. Printed once, stored hashed.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        TokenCommand token;
        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h",
                description = "How long an unused token stays valid (default: ${DEFAULT-VALUE}).")
        String ttl;
        @Option(names = "--label", paramLabel = "LABEL", description = "A note to recognise the token by.")
        String label;
        @Option(names = "--coordinator", paramLabel = "URL") String coordinator;

        @Override
        public Integer call() throws Exception {
            dev.hearth.core.units.DurationText.parsePositive("--ttl", ttl);
            ObjectNode body = Json.mapper().createObjectNode().put("ttl", ttl);
            if (label != null) {
                body.put("label", label);
            }
            var made = CoordinatorClient.from(coordinator, token.parent.environment())
                    .post("/v1/tokens", body.toString(), "application/json");
            spec.commandLine().getOut().println(made.get("token").asText());
            return 0;
        }
    }
}
