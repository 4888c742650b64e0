// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Shares of a k-of-n job's price")
class CopySharesTest {

    @Test
    @DisplayName("the shares add up to the price exactly and differ by at most one micro-credit")
    void exact() {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(42);
        for (int i = 0; i < 1000; i++) {
            long price = random.nextLong(0, 10_000_000_000L);
            int n = random.nextInt(1, 10);
            long sum = 0;
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int c = 1; c <= n; c++) {
                long s = CopyShares.share(price, n, c);
                sum += s;
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
            assertThat(sum).as("price %d in %d shares", price, n).isEqualTo(price);
            assertThat(max - min).isLessThanOrEqualTo(1);
        }
        assertThat(CopyShares.share(10, 3, 1)).isEqualTo(4);
        assertThat(CopyShares.share(10, 3, 3)).isEqualTo(3);
    }

    @Test
    @DisplayName("a copy number outside 1 to n is refused")
    void outside() {
        assertThatThrownBy(() -> CopyShares.share(10, 3, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CopyShares.share(10, 3, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
