// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.PoolCounts;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The pool bookkeeping every driver shares, with a hand-written maker and a clock the test moves")
class WarmPoolsTest {

    /** A clock the test sets. */
    private static final class TestClock implements InstantSource {
        private volatile Instant now = Instant.parse("2026-12-07T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** Makes numbered sandboxes; records which are alive and which were removed. */
    private static final class CountingMaker implements WarmPools.Maker<String, Integer> {
        final AtomicInteger made = new AtomicInteger();
        final Set<Integer> dead = ConcurrentHashMap.newKeySet();
        final List<Integer> removed = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public Optional<Integer> make(String key) {
            return Optional.of(made.incrementAndGet());
        }

        @Override
        public boolean alive(Integer ready) {
            return !dead.contains(ready);
        }

        @Override
        public void remove(Integer sandbox) {
            removed.add(sandbox);
        }

        @Override
        public boolean refuses(String key) {
            return key.equals("refused");
        }
    }

    private final TestClock clock = new TestClock();
    private final CountingMaker maker = new CountingMaker();
    private WarmPools<String, Integer> pools;

    @AfterEach
    void close() {
        if (pools != null) {
            pools.close();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
    }

    @Test
    @DisplayName("a wanted key fills to the pool size; each take is a sandbox never taken before; the pool refills")
    void fillsTakesOnceAndRefills() throws Exception {
        pools = new WarmPools<>("test", new PoolSettings(2, Duration.ofMinutes(5)), clock, maker);
        pools.want("a", 0);
        await(() -> pools.ready("a") == 2);
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            await(() -> pools.ready("a") > 0);
            int s = pools.take("a").orElseThrow();
            assertThat(taken).doesNotContain(s);
            taken.add(s);
            pools.want("a", 0);
        }
        await(() -> pools.ready("a") == 2);
        assertThat(pools.take("b")).isEmpty();
        assertThat(pools.counts()).as("5 hits, the miss of b, 2 ready").isEqualTo(new PoolCounts(5, 1, 2));
    }

    @Test
    @DisplayName("a ready sandbox found dead is removed, never handed out")
    void deadOnesRemoved() throws Exception {
        pools = new WarmPools<>("test", new PoolSettings(2, Duration.ofMinutes(5)), clock, maker);
        pools.want("a", 0);
        await(() -> pools.ready("a") == 2);
        maker.dead.add(1);
        assertThat(pools.take("a")).contains(2);
        assertThat(pools.awaitRemovals(Duration.ofSeconds(5))).isTrue();
        assertThat(maker.removed).containsExactly(1);
    }

    @Test
    @DisplayName("past the idle limit on the clock, a key nobody asked for is drained and not refilled")
    void idleLimitDrains() throws Exception {
        pools = new WarmPools<>("test", new PoolSettings(1, Duration.ofSeconds(2)), clock, maker);
        pools.want("a", 0);
        await(() -> pools.ready("a") == 1);
        clock.advance(Duration.ofSeconds(3));
        await(() -> pools.ready("a") == 0);
        assertThat(pools.awaitRemovals(Duration.ofSeconds(5))).isTrue();
        assertThat(maker.removed).containsExactly(1);
        Thread.sleep(1500); // another tick: nothing is made for a key no longer wanted
        assertThat(maker.made.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("closing removes every ready sandbox of every key; a closed pool makes nothing more")
    void closeDrains() throws Exception {
        pools = new WarmPools<>("test", new PoolSettings(2, Duration.ofMinutes(5)), clock, maker);
        pools.want("a", 0);
        pools.want("b", 0);
        await(() -> pools.readyTotal() == 4);
        pools.close();
        assertThat(maker.removed).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(pools.readyTotal()).isZero();
        pools.want("a", 0);
        assertThat(maker.made.get()).isEqualTo(4);
        pools = null;
    }

    @Test
    @DisplayName("a refused key is not pooled; a size of 0 pools nothing")
    void refusedAndSizeZero() throws Exception {
        pools = new WarmPools<>("test", new PoolSettings(1, Duration.ofMinutes(5)), clock, maker);
        assertThat(pools.pools("refused")).isFalse();
        assertThat(pools.pools("a")).isTrue();
        pools.want("refused", 0);
        Thread.sleep(300);
        assertThat(maker.made.get()).isZero();
        pools.close();
        pools = new WarmPools<>("test", PoolSettings.NONE, clock, maker);
        assertThat(pools.pools("a")).isFalse();
    }

    @Test
    @DisplayName("only jobs with network none and nothing bound at creation are poolable, and the reason says why")
    void unpoolable() {
        SandboxSpec plain = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).build();
        assertThat(WarmPools.unpoolable(plain)).isEmpty();
        SandboxSpec nat = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).network(NetworkMode.NAT).build();
        assertThat(WarmPools.unpoolable(nat)).hasValueSatisfying(why -> assertThat(why).contains("network NAT"));
    }
}
