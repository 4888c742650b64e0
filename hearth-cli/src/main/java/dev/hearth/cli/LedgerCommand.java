// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth ledger}: balances, history, export and deposits of a coordinator's ledger (admin token). */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Shows and funds the coordinator's double-entry ledger.",
        subcommands = {LedgerCommand.Balance.class, LedgerCommand.History.class, LedgerCommand.Export.class,
                LedgerCommand.Deposit.class})
final class LedgerCommand {

    /** The accepted forms of an account argument. */
    static final String ACCOUNT_FORM = "client:NAME, node:ID, stake:ID, escrow or external (a bare NAME means "
            + "client:NAME)";

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--coordinator", scope = picocli.CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    CoordinatorClient client() throws IOException {
        return CoordinatorClient.from(coordinator, parent.environment());
    }

    /** {@code --node ID} or {@code --account A}: which account a command is about. */
    static final class Which {
        @Option(names = "--node", paramLabel = "ID", description = "The node's earnings account, node:ID.")
        String node;
        @Option(names = "--account", paramLabel = "ACCOUNT", description = "Any account: " + ACCOUNT_FORM + ".")
        String account;

        String accountId() {
            return node != null ? "node:" + node : account(account, "--account");
        }
    }

    /** An account argument as the coordinator names it. */
    static String account(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(field, text, ACCOUNT_FORM);
        }
        String id = text.contains(":") || text.equals("escrow") || text.equals("external") ? text : "client:" + text;
        if (!id.matches("(client|node|stake):[a-z0-9][a-z0-9._-]{0,62}|escrow|external")) {
            throw new InvalidInputException(field, text, ACCOUNT_FORM);
        }
        return id;
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** {@code hearth ledger balance [--node ID | --account A]}. */
    @Command(name = "balance", mixinStandardHelpOptions = true,
            description = "Balances: every account (and their total, always 0), or one.")
    @Prints(Prints.Kind.DATA)
    static final class Balance implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        LedgerCommand ledger;
        @ArgGroup(exclusive = true)
        Which which;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (which != null) {
                String id = which.accountId();
                JsonNode a = ledger.client().get("/v1/ledger/accounts/" + encode(id));
                if (json.on()) {
                    JsonOutput.print(out, a);
                } else {
                    out.println(a.get("balance").asText());
                }
                return 0;
            }
            JsonNode all = ledger.client().getAll("/v1/ledger/accounts", "accounts");
            if (json.on()) {
                JsonOutput.print(out, all);
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            for (JsonNode a : all.path("accounts")) {
                rows.add(new String[] {a.get("id").asText(), a.get("kind").asText(), a.get("balance").asText()});
            }
            rows.add(new String[] {"total", "", Credits.format(all.get("totalMicros").asLong())});
            Table.of(rows, Table.Column.keep("ACCOUNT"), Table.Column.keep("KIND"), Table.Column.number("BALANCE"))
                    .print(out, ledger.parent.environment());
            return 0;
        }
    }

    /** {@code hearth ledger history [--node ID | --account A] [--limit N]}. */
    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The latest transfers, oldest first: of one account, or all.")
    @Prints(Prints.Kind.DATA)
    static final class History implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        LedgerCommand ledger;
        @ArgGroup(exclusive = true)
        Which which;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
                description = "How many of the latest (1 to 10000, default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() throws Exception {
            if (limit < 1 || limit > 10_000) {
                throw new InvalidInputException("--limit", String.valueOf(limit), "a whole number from 1 to 10000");
            }
            String query = "?limit=" + limit + (which == null ? "" : "&account=" + encode(which.accountId()));
            JsonNode list = ledger.client().get("/v1/ledger/transfers" + query);
            PrintWriter out = spec.commandLine().getOut();
            if (json.on()) {
                JsonOutput.print(out, list);
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            for (JsonNode t : list.path("transfers")) {
                rows.add(new String[] {t.get("seq").asText(), t.get("time").asText(), t.get("kind").asText(),
                    t.get("from").asText(), t.get("to").asText(), t.get("amount").asText(), t.path("jobId").asText("-")});
            }
            Table.of(rows, Table.Column.number("SEQ"), Table.Column.keep("TIME"), Table.Column.keep("KIND"),
                    Table.Column.keep("FROM"), Table.Column.keep("TO"), Table.Column.number("AMOUNT"),
                    Table.Column.keep("JOB")).print(out, ledger.parent.environment());
            return 0;
        }
    }

    /** {@code hearth ledger export --format csv|json [--since T]}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Every transfer since a time, for an outside payment system, on standard output.",
                "Columns (CSV header, JSON keys), in order: seq, time, kind, from_account, to_account, amount, "
                        + "amount_micros, job_id, node_id, idempotency_key."})
    @Prints(Prints.Kind.STREAM)
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        LedgerCommand ledger;
        @Option(names = "--format", paramLabel = "csv|json", defaultValue = "csv",
                description = "csv (default) or json.")
        String format;
        @Option(names = "--since", paramLabel = "TIME",
                description = "Only transfers at or after this ISO-8601 instant (2026-03-01T00:00:00Z) or date (2026-03-01).")
        String since;

        @Override
        public Integer call() throws Exception {
            String f = format.strip().toLowerCase(Locale.ROOT);
            if (!List.of("csv", "json").contains(f)) {
                throw new InvalidInputException("--format", format, "csv or json");
            }
            if (since != null && !since.matches("\\d{4}-\\d{2}-\\d{2}(T.*)?")) {
                throw new InvalidInputException("--since", since,
                        "an ISO-8601 instant such as 2026-03-01T00:00:00Z, or a date such as 2026-03-01");
            }
            String text = ledger.client().getText("/v1/ledger/export?format=" + f
                    + (since == null ? "" : "&since=" + encode(since)));
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code hearth ledger deposit ACCOUNT AMOUNT [--key K]}. */
    @Command(name = "deposit", mixinStandardHelpOptions = true,
            description = "Adds funds from the outside payment system to an account (admin).")
    @Prints(Prints.Kind.MESSAGE)
    static final class Deposit implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        LedgerCommand ledger;
        @Parameters(index = "0", paramLabel = "ACCOUNT", description = "client:NAME (or NAME), node:ID or stake:ID.")
        String account;
        @Parameters(index = "1", paramLabel = "AMOUNT", description = "Credits, e.g. 100 or 2.5.")
        String amount;
        @Option(names = "--key", paramLabel = "KEY",
                description = "An idempotency key: the same deposit sent again with it moves nothing again.")
        String key;

        @Override
        public Integer call() throws Exception {
            String id = account(account, "ACCOUNT");
            Credits.parsePositive("AMOUNT", amount);
            ObjectNode body = Json.mapper().createObjectNode().put("account", id).put("amount", amount);
            if (key != null) {
                body.put("key", key);
            }
            JsonNode t = ledger.client().post("/v1/ledger/deposits", body.toString(), "application/json");
            JsonNode balance = ledger.client().get("/v1/ledger/accounts/" + encode(id));
            spec.commandLine().getOut().printf("%s %s credits to %s (transfer %d); balance %s%n",
                    t.path("replayed").asBoolean() ? "already deposited:" : "deposited", t.get("amount").asText(), id,
                    t.get("seq").asLong(), balance.get("balance").asText());
            return 0;
        }
    }
}
