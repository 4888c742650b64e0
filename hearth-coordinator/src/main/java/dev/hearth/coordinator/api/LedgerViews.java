// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.LedgerAccount;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import java.util.Locale;

/** The API's JSON forms of ledger accounts and transfers. */
final class LedgerViews {

    private LedgerViews() {
    }

    static ObjectNode account(LedgerAccount a) {
        return Json.mapper().createObjectNode().put("id", a.id()).put("kind", a.kind().name().toLowerCase(Locale.ROOT))
                .put("balance", Credits.format(a.balanceMicros())).put("balanceMicros", a.balanceMicros())
                .put("createdAt", a.createdAt().toString());
    }

    static ObjectNode transfer(LedgerTransfer t) {
        ObjectNode v = Json.mapper().createObjectNode().put("seq", t.seq()).put("time", t.createdAt().toString())
                .put("kind", t.kind().name().toLowerCase(Locale.ROOT)).put("from", t.fromAccount())
                .put("to", t.toAccount()).put("amount", Credits.format(t.amountMicros()))
                .put("amountMicros", t.amountMicros()).put("key", t.idempotencyKey());
        if (t.jobId() != null) {
            v.put("jobId", t.jobId());
        }
        if (t.nodeId() != null) {
            v.put("nodeId", t.nodeId());
        }
        return v;
    }
}
