// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The PostgreSQL store keeps the store contract, on a real server")
class PostgresStoreTest extends StoreContract {

    // a test's folder names its database, so that reopen() finds the same one
    private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
    // databases of finished tests, emptied and reused by the next ones (their stores are closed by then)
    private static final Queue<String> DONE = new ConcurrentLinkedQueue<>();

    @Override
    protected Store open(Path dir, InstantSource clock) {
        PostgresCluster cluster = PostgresCluster.shared();
        String database = DATABASES.computeIfAbsent(dir, d -> {
            String reused = DONE.poll();
            if (reused == null) {
                return cluster.freshDatabase();
            }
            cluster.empty(reused);
            return reused;
        });
        return Store.postgresql(cluster.location(database), cluster.password(), 4, clock);
    }

    // runs before StoreContract's closeStore; the database is emptied only when the next test takes it
    @AfterEach
    void done() {
        DONE.add(DATABASES.remove(dir));
    }
}
