// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hearth_jobs and hearth_nodes over a real SQLite store, counting the store calls each scrape makes. */
class StateGaugesTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a scrape counts jobs once and nodes once, and every state's gauge shows its count")
    void oneCountPerTablePerScrape() throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        try (Store real = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
                CoordinatorMetrics metrics = new CoordinatorMetrics()) {
            Store counted = counting(real, calls);
            Instant now = Instant.now();
            real.upsertNode(new NodeRecord("n1", "key-n1", "n1.example", "linux", "amd64", 2, 1L << 30,
                    List.of("docker"), List.<GpuInfo>of(), "0.1.0", "1.0", NodeState.ONLINE, now, now));
            real.submitJob("j1", "{\"image\":\"hearth/busybox\"}", 0, 0);
            real.submitJob("j2", "{\"image\":\"hearth/busybox\"}", 0, 0);
            StateGauges.register(metrics, counted);

            String first = metrics.scrape();
            assertThat(first).contains("hearth_jobs{state=\"queued\"} 2.0", "hearth_jobs{state=\"running\"} 0.0",
                    "hearth_nodes{state=\"online\"} 1.0", "hearth_nodes{state=\"lost\"} 0.0");
            assertThat(calls).containsOnlyKeys("jobCounts", "nodeCounts");
            assertThat(calls.get("jobCounts")).hasValue(1);
            assertThat(calls.get("nodeCounts")).hasValue(1);

            real.submitJob("j3", "{\"image\":\"hearth/busybox\"}", 0, 0);
            assertThat(metrics.scrape()).as("each scrape counts afresh").contains("hearth_jobs{state=\"queued\"} 3.0");
            assertThat(calls.get("jobCounts")).hasValue(2);
            assertThat(calls.get("nodeCounts")).hasValue(2);
        }
    }

    /** The store, with each call's method name counted. */
    private static Store counting(Store real, Map<String, AtomicInteger> calls) {
        return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                    calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
