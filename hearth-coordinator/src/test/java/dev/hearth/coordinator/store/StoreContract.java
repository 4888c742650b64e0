// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every store dialect must show. A dialect's test extends this class and says how to open its store
 * on a folder; the tests themselves live in the interfaces it implements, one per part of the store.
 */
abstract class StoreContract implements TokenContract, NodeContract, JobQueueContract, LeaseContract,
        ResultContract, VerdictContract, CancelContract, DurabilityContract, LedgerContract, RedundancyContract,
        TenantContract, RetentionContract, BatchContract {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00.123456Z"));
    private Store store;

    /** Opens (or creates) this dialect's store, keeping its data in {@code dir} or in a server named by it. */
    protected abstract Store open(Path dir, InstantSource clock);

    @BeforeEach
    void openStore() {
        store = open(dir, clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    public Store store() {
        return store;
    }

    @Override
    public MutableClock clock() {
        return clock;
    }

    @Override
    public Store reopen() {
        store.close();
        store = open(dir, clock);
        return store;
    }
}
