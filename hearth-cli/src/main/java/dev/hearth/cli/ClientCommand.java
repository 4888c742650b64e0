// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static dev.hearth.cli.Table.Column.free;
import static dev.hearth.cli.Table.Column.keep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.ByteSize;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth client create|list|disable}: the coordinator's clients (admin). */
@Command(name = "client", mixinStandardHelpOptions = true, description = "Manages clients and their quotas (admin).",
        subcommands = {ClientCommand.Create.class, ClientCommand.ListClients.class, ClientCommand.Disable.class})
final class ClientCommand {

    /** The quota names {@code --quota} accepts, and the API field each sets. */
    static final Map<String, String> QUOTAS = Map.of("concurrent-jobs", "concurrentJobs", "queued-jobs", "queuedJobs",
            "cpus", "cpus", "memory", "memoryBytes", "gpus", "gpus", "instances", "instances",
            "requests-per-minute", "requestsPerMinute");

    @ParentCommand
    HearthCommand parent;

    /** {@code hearth client create NAME [--quota K=V,...] [--ttl D]}: prints the client's first key once. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates a client (ledger account client:NAME) and prints its first key, once.")
    @Prints(Prints.Kind.DATA)
    static final class Create extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        ClientCommand clients;
        @Parameters(paramLabel = "NAME", description = "The client's name: a-z, 0-9, '.', '_', '-'.")
        String name;
        @Option(names = "--quota", split = ",", paramLabel = "LIMIT=VALUE", description = "Limits (0: none): "
                + "concurrent-jobs, queued-jobs, cpus, memory (e.g. 16g), gpus, instances, requests-per-minute.")
        Map<String, String> quota = new LinkedHashMap<>();
        @Option(names = "--ttl", paramLabel = "DURATION", description = "The key expires after this (default: never).")
        String ttl;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.mapper().createObjectNode().put("name", name);
            ObjectNode limits = body.putObject("quota");
            quota.forEach((k, v) -> {
                String field = QUOTAS.get(k);
                if (field == null) {
                    throw new InvalidInputException("--quota", k, "one of " + QUOTAS.keySet().stream().sorted().toList());
                }
                if (field.equals("memoryBytes")) {
                    limits.put(field, ByteSize.parse("--quota memory", v).bytes());
                } else {
                    try {
                        limits.put(field, field.equals("cpus") ? Double.parseDouble(v) : Long.parseLong(v));
                    } catch (NumberFormatException e) {
                        throw new InvalidInputException("--quota " + k, v, "a number, 0 (no limit) or more");
                    }
                }
            });
            if (ttl != null) {
                dev.hearth.core.units.DurationText.parsePositive("--ttl", ttl);
                body.put("ttl", ttl);
            }
            var made = client(clients.parent.environment()).post("/v1/clients", body.toString(), "application/json");
            if (json.on()) {
                JsonOutput.print(spec.commandLine().getOut(), made);
                return 0;
            }
            spec.commandLine().getOut().println(made.get("key").asText());
            spec.commandLine().getErr().println("client " + name + " created (account client:" + name + ", key id "
                    + made.get("id").asText() + "); the key above is shown only this once");
            return 0;
        }
    }

    /** {@code hearth client list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the clients and their quotas.")
    @Prints(Prints.Kind.DATA)
    static final class ListClients extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        ClientCommand clients;

        @Override
        public Integer call() throws Exception {
            var env = clients.parent.environment();
            show(spec.commandLine().getOut(), env, json, client(env).getAll("/v1/clients", "clients"), "clients", keep("name"),
                    keep("enabled"), keep("createdAt"), free("quota"));
            return 0;
        }
    }

    /** {@code hearth client disable NAME}: its keys stop working at the next call. */
    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Disables a client: its keys are refused from the next call.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Disable extends AdminApi implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        ClientCommand clients;
        @Parameters(paramLabel = "NAME", description = "The client's name.")
        String name;

        @Override
        public Integer call() throws Exception {
            client(clients.parent.environment()).post("/v1/clients/" + name + "/disable", "", "application/json");
            spec.commandLine().getOut().println("client " + name + " disabled");
            return 0;
        }
    }
}
