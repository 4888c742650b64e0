// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.ledger.LedgerExport;
import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.LedgerAccount;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.Posted;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/ledger}: balances, history, the export for an outside payment system, and deposits (admin). Thread-safe.
 */
public final class LedgerApi implements HttpService {

    /** What a deposit's idempotency key may be. */
    static final String KEY_FORM = "1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'";
    private static final int MAX_LIMIT = 10_000;

    private final Store store;
    private final Tenants tenants;

    /** The ledger API over the store; {@code tenants} says which node accounts are an operator's. */
    public LedgerApi(Store store, Tenants tenants) {
        this.store = store;
        this.tenants = tenants;
    }

    /**
     * Whether the caller may read account {@code id}: an admin any, a client its own {@code client:NAME}, an
     * operator the {@code node:ID} and {@code stake:ID} accounts of its own nodes.
     */
    private boolean mayRead(Principal caller, String id) {
        if (caller.owns(id)) {
            return true;
        }
        AccountKind kind = AccountKind.of(id);
        return caller.role() == Role.OPERATOR && (kind == AccountKind.NODE || kind == AccountKind.STAKE)
                && tenants.nodesOf(caller.name()).contains(id.substring(id.indexOf(':') + 1));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/accounts", this::accounts)
                .get("/accounts/{id}", this::account)
                .get("/transfers", this::transfers)
                .get("/export", this::export)
                .post("/deposits", this::deposit);
    }

    private void accounts(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode list = out.putArray("accounts");
        long total = 0; // of every account, not the page's only: the books balance to zero
        List<LedgerAccount> all = store.ledger().accounts();
        for (LedgerAccount a : all) {
            total = Math.addExact(total, a.balanceMicros());
        }
        Pages.page(all, LedgerAccount::id, page.get(), out, req, res).forEach(a -> list.add(LedgerViews.account(a)));
        out.put("totalMicros", total);
        JsonResponses.send(res, 200, out);
    }

    private void account(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        try {
            AccountKind.of(id);
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, "id", e.getMessage());
            return;
        }
        if (!mayRead(Principal.of(req), id)) {
            Access.notYours(req, res, "account " + id);
            return;
        }
        store.ledger().account(id).ifPresentOrElse(a -> JsonResponses.send(res, 200, LedgerViews.account(a)),
                () -> JsonResponses.error(res, 404, "unknown_account", "Account not found: " + id
                        + " (an account exists once money has moved through it)"));
    }

    private void transfers(ServerRequest req, ServerResponse res) {
        try {
            Optional<String> account = req.query().first("account").asOptional();
            account.ifPresent(LedgerApi::accountId);
            Principal caller = Principal.of(req);
            if (!caller.admin() && (account.isEmpty() || !mayRead(caller, account.get()))) {
                Access.notYours(req, res, account.map(a -> "account " + a).orElse("the whole ledger (name your "
                        + "own account with ?account=)"));
                return;
            }
            Optional<Pages.Request> page = Pages.request(req, res, 100, MAX_LIMIT);
            if (page.isEmpty()) {
                return;
            }
            int limit = page.get().limit();
            long before = page.get().after().map(LedgerApi::sequence).orElse(Long.MAX_VALUE);
            ObjectNode out = Json.mapper().createObjectNode();
            ArrayNode list = out.putArray("transfers");
            // each page oldest first; the next page is the transfers before this one's oldest
            List<LedgerTransfer> transfers = store.ledger().transfers(account, Optional.empty(), before, limit + 1);
            if (transfers.size() > limit) {
                transfers = transfers.subList(1, transfers.size()); // the oldest one only says that more follow
                Pages.next(Pages.cursor(String.valueOf(transfers.getFirst().seq())), out, req, res);
            }
            transfers.forEach(t -> list.add(LedgerViews.transfer(t)));
            JsonResponses.send(res, 200, out);
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
        }
    }

    private void export(ServerRequest req, ServerResponse res) {
        LedgerExport.Format format;
        Optional<Instant> since;
        try {
            format = LedgerExport.Format.parse("format", req.query().first("format").orElse("csv"));
            since = req.query().first("since").asOptional().map(t -> LedgerExport.since("since", t));
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        }
        List<LedgerTransfer> rows = store.ledger().transfers(Optional.empty(), since, Integer.MAX_VALUE);
        switch (format) {
            case CSV -> res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8").send(LedgerExport.csv(rows));
            case JSON -> res.header(HeaderNames.CONTENT_TYPE, "application/json").send(LedgerExport.json(rows));
        }
    }

    private void deposit(ServerRequest req, ServerResponse res) {
        String account;
        long amount;
        String key;
        try {
            JsonNode doc = Json.mapper().readTree(req.content().asOptional(String.class).orElse(""));
            if (doc == null || !doc.isObject()) {
                throw new IOException("not a JSON object");
            }
            account = accountId(doc.path("account").isTextual() ? doc.get("account").asText() : null);
            amount = Credits.parsePositive("amount", doc.path("amount").isValueNode() ? doc.get("amount").asText() : null);
            key = doc.hasNonNull("key") ? doc.get("key").asText() : "deposit:" + UUID.randomUUID();
            if (!key.matches("[A-Za-z0-9._:-]{1,128}")) {
                throw new InvalidInputException("key", key, KEY_FORM);
            }
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        } catch (IOException e) {
            JsonResponses.error(res, 400, "invalid_document", "the deposit is not a JSON object of the form "
                    + "{\"account\":\"client:alice\",\"amount\":\"100\",\"key\":\"optional-idempotency-key\"}: "
                    + e.getMessage());
            return;
        }
        AccountKind kind = AccountKind.of(account);
        if (kind == AccountKind.EXTERNAL || kind == AccountKind.ESCROW) {
            JsonResponses.invalid(res, "account", "account '" + account + "' cannot take deposits: deposit into a "
                    + "client:NAME, node:ID or stake:ID account");
            return;
        }
        Posted posted;
        try {
            posted = store.ledger().post(key, TransferKind.DEPOSIT, AccountKind.EXTERNAL_ID, account, amount, null);
        } catch (IllegalStateException e) {
            JsonResponses.error(res, 409, "key_conflict", e.getMessage());
            return;
        }
        ObjectNode out = LedgerViews.transfer(posted.transfer()).put("replayed", posted.replayed());
        JsonResponses.send(res, posted.replayed() ? 200 : 201, out);
    }

    /** Checks an account id given as input. */
    static String accountId(String text) {
        try {
            AccountKind.of(text);
            return text;
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("account", text, AccountKind.FORM);
        }
    }

    private static long sequence(String cursorKey) {
        try {
            return Long.parseLong(cursorKey);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("cursor", cursorKey, "the 'next' value of the previous page, unchanged");
        }
    }
}
