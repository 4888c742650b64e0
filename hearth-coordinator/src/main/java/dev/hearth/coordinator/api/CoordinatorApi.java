// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.ledger.CoordinatorKey;
import dev.hearth.coordinator.ledger.PaymentWebhook;
import dev.hearth.core.json.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/** {@code /v1/coordinator}: the coordinator's public key, to verify what it signs (settlement webhook payments). */
public final class CoordinatorApi implements HttpService {

    private final CoordinatorKey key;

    /** The API for this key. */
    public CoordinatorApi(CoordinatorKey key) {
        this.key = key;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/key", (req, res) -> JsonResponses.send(res, 200, Json.mapper().createObjectNode()
                .put("algorithm", "Ed25519").put("encoding", "X.509 SubjectPublicKeyInfo, base64")
                .put("publicKey", key.publicKeyBase64()).put("signatureHeader", PaymentWebhook.SIGNATURE_HEADER)));
    }
}
