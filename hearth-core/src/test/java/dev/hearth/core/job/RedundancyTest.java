// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("k-of-n redundancy: what may be asked for")
class RedundancyTest {

    @ParameterizedTest(name = "{0} of {1} is accepted")
    @CsvSource({"1,1", "2,2", "2,3", "3,3", "3,5", "5,9", "9,9"})
    @DisplayName("a strict majority of 1 to 9 copies is accepted")
    void accepted(int k, int n) {
        Redundancy r = new Redundancy(n, k);
        assertThat(r.redundant()).isEqualTo(n > 1);
    }

    @ParameterizedTest(name = "n={0}")
    @CsvSource({"0", "-1", "10"})
    @DisplayName("a copy count outside 1 to 9 is refused naming redundancy.n")
    void badN(int n) {
        assertThatThrownBy(() -> new Redundancy(n, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("redundancy.n").hasMessageContaining("from 1 to 9");
    }

    @ParameterizedTest(name = "{0} of {1}")
    @CsvSource({"1,2", "2,4", "1,3", "4,3", "0,1"})
    @DisplayName("k that is not a strict majority, or more than n, is refused naming redundancy.k and its range")
    void badK(int k, int n) {
        assertThatThrownBy(() -> new Redundancy(n, k)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("redundancy.k").hasMessageContaining("strict majority of n=" + n)
                .hasMessageContaining("from " + (n / 2 + 1) + " to " + n);
    }

    @Test
    @DisplayName("agreement is reachable while agreeing plus undecided copies reach k")
    void reachable() {
        Redundancy twoOfThree = new Redundancy(3, 2);
        assertThat(twoOfThree.reachable(1, 1)).isTrue();
        assertThat(twoOfThree.reachable(1, 0)).isFalse();
        assertThat(twoOfThree.reachable(0, 1)).isFalse();
    }
}
