// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The PostgreSQL store keeps the store contract, on a real server")
class PostgresStoreTest extends StoreContract {

    // a test's folder names its database, so that reopen() finds the same one
    private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();

    @Override
    protected Store open(Path dir, InstantSource clock) {
        PostgresCluster cluster = PostgresCluster.shared();
        String database = DATABASES.computeIfAbsent(dir, d -> cluster.freshDatabase());
        return Store.postgresql(cluster.location(database), cluster.password(), 4, clock);
    }
}
