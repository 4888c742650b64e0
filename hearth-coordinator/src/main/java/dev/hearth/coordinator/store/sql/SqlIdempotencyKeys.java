// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.IdempotencyClaim;
import dev.hearth.coordinator.store.IdempotencyKeys;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** {@link IdempotencyKeys} over SQL: each claim is one write transaction, so two racing claims see each other. */
final class SqlIdempotencyKeys implements IdempotencyKeys {

    private final Transactions tx;
    private final InstantSource clock;

    SqlIdempotencyKeys(Transactions tx, InstantSource clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public IdempotencyClaim claim(String client, String key, String operation, String fingerprint,
            Duration retention, Duration abandonAfter) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (retention.isNegative() || retention.isZero() || abandonAfter.isNegative()) {
            throw new IllegalArgumentException("idempotency retention must be positive and abandonAfter not negative, "
                    + "got " + retention + " and " + abandonAfter);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        // never the key in the operation's name: it may be guessable, and names end up in exception messages
        return tx.write("claim an idempotency key of " + client, c -> IdempotencyTable.claim(c, client, key,
                operation, fingerprint, now, now.minus(retention), now.minus(abandonAfter)));
    }

    @Override
    public void complete(String client, String key, IdempotencyClaim.Answer answer) {
        Objects.requireNonNull(answer, "answer");
        tx.write("complete an idempotency key of " + client, c -> IdempotencyTable.complete(c, client, key, answer));
    }

    @Override
    public void release(String client, String key) {
        tx.write("release an idempotency key of " + client, c -> IdempotencyTable.release(c, client, key));
    }
}
