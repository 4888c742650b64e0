// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the coordinator prices, prefers staked nodes and reports payments.
 *
 * @param rates the rate card for jobs that name no price
 * @param stakeReferenceMicros the stake at which a node gets half the full stake bonus in placement
 * @param settlementWebhook where each released payment is posted, signed; empty for none
 * @param webhookRetryBase the first retry delay of a failed delivery, doubled per failure up to 5 minutes
 */
public record LedgerConfig(RateCard rates, long stakeReferenceMicros, Optional<URI> settlementWebhook,
        Duration webhookRetryBase) {

    /** Free jobs, a stake reference of 100 credits, no webhook, retries from 1 s. */
    public static final LedgerConfig DEFAULTS = new LedgerConfig(RateCard.FREE, 100_000_000L, Optional.empty(),
            Duration.ofSeconds(1));

    /** Checks the fields. */
    public LedgerConfig {
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(settlementWebhook, "settlementWebhook");
        Objects.requireNonNull(webhookRetryBase, "webhookRetryBase");
        if (stakeReferenceMicros <= 0) {
            throw new IllegalArgumentException("stake reference must be positive, got " + stakeReferenceMicros);
        }
        if (webhookRetryBase.isNegative() || webhookRetryBase.isZero()) {
            throw new IllegalArgumentException("webhook retry base must be positive, got " + webhookRetryBase);
        }
        settlementWebhook.ifPresent(u -> {
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                throw new IllegalArgumentException("settlement webhook must be an http or https URL, got " + u);
            }
        });
    }

    /** This config with another rate card. */
    public LedgerConfig withRates(RateCard value) {
        return new LedgerConfig(value, stakeReferenceMicros, settlementWebhook, webhookRetryBase);
    }

    /** This config posting payments to {@code url} (retrying from {@code retryBase}). */
    public LedgerConfig withWebhook(URI url, Duration retryBase) {
        return new LedgerConfig(rates, stakeReferenceMicros, Optional.of(url), retryBase);
    }
}
