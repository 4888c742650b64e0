// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static dev.hearth.cli.Table.Column.free;
import static dev.hearth.cli.Table.Column.keep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth token create|list|revoke}: node tokens, through the coordinator's admin API. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Manages node tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {

    @ParentCommand
    HearthCommand parent;

    /** {@code hearth token create [--ttl 1h] [--label L]}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates a node token; it binds to the first node that uses it. Printed once, stored hashed.")
    @Prints(Prints.Kind.DATA)
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        TokenCommand token;
        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h",
                description = "How long an unused token stays valid (default: ${DEFAULT-VALUE}).")
        String ttl;
        @Option(names = "--label", paramLabel = "LABEL", description = "A note to recognise the token by.")
        String label;
        @Option(names = "--coordinator", paramLabel = "URL",
                description = "The coordinator (HEARTH_COORDINATOR; default http://127.0.0.1:7070).") String coordinator;
        @Option(names = "--operator", paramLabel = "NAME",
                description = "The operator whose node it makes: that operator's key sees the node and its earnings.")
        String operator;

        @Override
        public Integer call() throws Exception {
            dev.hearth.core.units.DurationText.parsePositive("--ttl", ttl);
            ObjectNode body = Json.mapper().createObjectNode().put("ttl", ttl);
            if (label != null) {
                body.put("label", label);
            }
            if (operator != null) {
                body.put("operator", operator);
            }
            var made = CoordinatorClient.from(coordinator, token.parent.environment())
                    .post("/v1/tokens", body.toString(), "application/json");
            if (json.on()) {
                JsonOutput.print(spec.commandLine().getOut(), made);
                return 0;
            }
            spec.commandLine().getOut().println(made.get("token").asText());
            return 0;
        }
    }

    /** {@code hearth token list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists node tokens (never the tokens themselves), their nodes, operators and revocation.")
    @Prints(Prints.Kind.DATA)
    static final class ListTokens extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        TokenCommand token;

        @Override
        public Integer call() throws Exception {
            var env = token.parent.environment();
            show(spec.commandLine().getOut(), env, json, client(env).getAll("/v1/tokens", "tokens"), "tokens", keep("id"),
                    free("label"), keep("nodeId"), free("operator"), keep("createdAt"), keep("expiresAt"),
                    keep("revoked"));
            return 0;
        }
    }

    /** {@code hearth token revoke ID}: no node registers with it again. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revokes a node token: its node (if bound) can never register again with it.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Revoke extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        TokenCommand token;
        @picocli.CommandLine.Parameters(paramLabel = "ID", description = "The token's id.") String id;

        @Override
        public Integer call() throws Exception {
            client(token.parent.environment()).post("/v1/tokens/" + id + "/revoke", "", "application/json");
            spec.commandLine().getOut().println("token " + id + " revoked");
            return 0;
        }
    }
}
