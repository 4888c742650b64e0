// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static dev.hearth.cli.Table.Column.free;
import static dev.hearth.cli.Table.Column.keep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.Scope;
import dev.hearth.core.json.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth key create|list|revoke|rotate}: API keys (admin). */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Manages API keys (admin).",
        subcommands = {KeyCommand.Create.class, KeyCommand.ListKeys.class, KeyCommand.Revoke.class,
                KeyCommand.Rotate.class})
final class KeyCommand {

    @ParentCommand
    HearthCommand parent;

    /**
     * {@code hearth key create --owner NAME [--role client|operator|admin] [--label L] [--ttl D] [--scope S]...}.
     */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a key and prints it, once.")
    @Prints(Prints.Kind.DATA)
    static final class Create extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        KeyCommand keys;
        @Option(names = "--owner", required = true, paramLabel = "NAME",
                description = "The client (role client) or operator (role operator) it acts as.")
        String owner;
        @Option(names = "--role", defaultValue = "client", paramLabel = "ROLE",
                description = "client, operator or admin (default: ${DEFAULT-VALUE}).")
        String role;
        @Option(names = "--label", paramLabel = "LABEL", defaultValue = "",
                description = "A note to recognise the key by.") String label;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "Expires after this (default: never).")
        String ttl;
        @Option(names = "--scope", paramLabel = "SCOPE", description = "Keeps only this part of the role's rights; "
                + "repeatable; one of jobs:read, jobs:write, instances:read, instances:write, nodes:read, "
                + "ledger:read, admin:* (default: none, the role's full rights).")
        List<String> scopes = List.of();

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.mapper().createObjectNode().put("owner", owner).put("role", role)
                    .put("label", label);
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            ArrayNode scopeList = body.putArray("scopes");
            for (String s : scopes) {
                try {
                    scopeList.add(Scope.parse(s).wireName());
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--scope '" + s + "' is invalid: one of "
                            + Scope.ACCEPTED, e);
                }
            }
            JsonNode made = client(keys.parent.environment()).post("/v1/keys", body.toString(), "application/json");
            if (json.on()) {
                JsonOutput.print(spec.commandLine().getOut(), made);
                return 0;
            }
            spec.commandLine().getOut().println(made.get("key").asText());
            spec.commandLine().getErr().println(role + " key " + made.get("id").asText() + " for " + owner
                    + " created; it is shown only this once");
            return 0;
        }
    }

    /** {@code hearth key list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists keys (never the keys themselves).")
    @Prints(Prints.Kind.DATA)
    static final class ListKeys extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        KeyCommand keys;

        @Override
        public Integer call() throws Exception {
            var env = keys.parent.environment();
            show(spec.commandLine().getOut(), env, json, client(env).getAll("/v1/keys", "keys"), "keys", keep("id"),
                    keep("role"), keep("owner"), free("label"), free("scopes"), keep("createdAt"), keep("expiresAt"),
                    keep("revoked"));
            return 0;
        }
    }

    /** {@code hearth key revoke ID}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a key from the next call.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Revoke extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        KeyCommand keys;
        @Parameters(paramLabel = "ID", description = "The key's id.") String id;

        @Override
        public Integer call() throws Exception {
            client(keys.parent.environment()).post("/v1/keys/" + id + "/revoke", "", "application/json");
            spec.commandLine().getOut().println("key " + id + " revoked");
            return 0;
        }
    }

    /** {@code hearth key rotate ID}: a new key of the same role, owner and scopes; the old one is revoked. */
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Prints a new key of the same role, owner and scopes, once, and revokes the old one.")
    @Prints(Prints.Kind.DATA)
    static final class Rotate extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        KeyCommand keys;
        @Parameters(paramLabel = "ID", description = "The key's id.") String id;

        @Override
        public Integer call() throws Exception {
            JsonNode made = client(keys.parent.environment()).post("/v1/keys/" + id + "/rotate", "",
                    "application/json");
            if (json.on()) {
                JsonOutput.print(spec.commandLine().getOut(), made);
                return 0;
            }
            spec.commandLine().getOut().println(made.get("key").asText());
            spec.commandLine().getErr().println("key " + id + " revoked; new key " + made.get("id").asText());
            return 0;
        }
    }
}
