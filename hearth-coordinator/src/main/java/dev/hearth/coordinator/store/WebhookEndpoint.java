// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A receiver a caller registered for its job and instance events.
 *
 * @param id the endpoint's id ({@code wh_...})
 * @param owner the caller that registered it ({@code client:NAME}, {@code admin:NAME}): it gets that owner's events
 *     (an admin's endpoint gets every event)
 * @param url where the events are POSTed
 * @param secret the {@code whsec_} signing secret (Standard Webhooks)
 * @param createdAt when it was registered
 */
public record WebhookEndpoint(String id, String owner, String url, String secret, Instant createdAt) {

    /** Checks the fields are there. */
    public WebhookEndpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
