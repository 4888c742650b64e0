package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.IssuedToken;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.DurationText;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Duration;

/** {@code /v1/tokens}: admins create node tokens; the plaintext is answered once and stored hashed. */
public final class TokensApi implements HttpService {

    private final Store store;

    /** The tokens API. */
    public TokensApi(Store store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Duration ttl = Duration.ofHours(1);
        String label = "";
        try {
            // asOptional: the body is optional, and as(String.class) throws when there is none
            String body = req.content().asOptional(String.class).orElse("");
            if (!body.isBlank()) {
                JsonNode doc = Json.mapper().readTree(body);
                if (doc.hasNonNull("ttl")) {
                    ttl = DurationText.parsePositive("ttl", doc.get("ttl").asText());
                }
                if (doc.hasNonNull("label")) {
                    label = doc.get("label").asText();
                }
            }
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        } catch (IOException e) {
            JsonResponses.error(res, 400, "invalid_document", "the token request is not valid JSON: "
                    + e.getMessage());
            return;
        }
        IssuedToken issued = store.createToken(label, ttl);
        ObjectNode out = Json.mapper().createObjectNode().put("token", issued.plaintext())
                .put("id", issued.record().id());
        if (issued.record().expiresAt() != null) {
            out.put("expiresAt", issued.record().expiresAt().toString());
        }
        JsonResponses.send(res, 201, out);
    }
}
