// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import static dev.hearth.coordinator.oracle.CopyComparison.Judgement.FAILED;
import static dev.hearth.coordinator.oracle.CopyComparison.Judgement.PASSED;
import static dev.hearth.coordinator.oracle.CopyComparison.Judgement.PENDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.oracle.CopyComparison.Agreed;
import dev.hearth.coordinator.oracle.CopyComparison.Copy;
import dev.hearth.coordinator.oracle.CopyComparison.Impossible;
import dev.hearth.coordinator.oracle.CopyComparison.Judgement;
import dev.hearth.coordinator.oracle.CopyComparison.Outcome;
import dev.hearth.coordinator.oracle.CopyComparison.Waiting;
import dev.hearth.core.job.Redundancy;
import dev.hearth.core.receipt.OutputFile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Comparing the copies of a k-of-n job")
class CopyComparisonTest {

    private static final Redundancy TWO_OF_THREE = new Redundancy(3, 2);
    private static final OutputFile OUT = new OutputFile("/job/out/a", 1, "aa");

    private static Copy copy(int index, Judgement j, String logsHash, OutputFile... outputs) {
        return new Copy(index, "n" + index, j, logsHash, List.of(outputs));
    }

    @Test
    @DisplayName("two agreeing copies of three pass; the third, disagreeing, is flagged")
    void oneDisagrees() {
        Outcome o = CopyComparison.compare(TWO_OF_THREE,
                List.of(copy(1, PASSED, "h", OUT), copy(2, PASSED, "x", OUT), copy(3, PASSED, "h", OUT)));
        assertThat(o).isInstanceOfSatisfying(Agreed.class, a -> {
            assertThat(a.agreeing()).extracting(Copy::index).containsExactly(1, 3);
            assertThat(a.flagged()).extracting(Copy::index).containsExactly(2);
        });
    }

    @Test
    @DisplayName("the same logs but another output file is a disagreement")
    void outputsCount() {
        Outcome o = CopyComparison.compare(TWO_OF_THREE, List.of(copy(1, PASSED, "h", OUT),
                copy(2, PASSED, "h", new OutputFile("/job/out/a", 1, "bb")), copy(3, PASSED, "h", OUT)));
        assertThat(o).isInstanceOfSatisfying(Agreed.class,
                a -> assertThat(a.flagged()).extracting(Copy::index).containsExactly(2));
    }

    @Test
    @DisplayName("k agreeing copies decide at once, while another is still running; it is flagged later if it differs")
    void decidesEarly() {
        assertThat(CopyComparison.compare(TWO_OF_THREE,
                List.of(copy(1, PASSED, "h"), copy(2, PENDING, null), copy(3, PASSED, "h"))))
                .isInstanceOfSatisfying(Agreed.class, a -> assertThat(a.flagged()).isEmpty());
        assertThat(CopyComparison.compare(TWO_OF_THREE,
                List.of(copy(1, PASSED, "h"), copy(2, PASSED, "z"), copy(3, PASSED, "h"))))
                .isInstanceOfSatisfying(Agreed.class,
                        a -> assertThat(a.flagged()).extracting(Copy::index).containsExactly(2));
    }

    @Test
    @DisplayName("two disagreeing with k=2 of 3 fail the job, and the reason names each group")
    void twoDisagree() {
        Outcome o = CopyComparison.compare(TWO_OF_THREE,
                List.of(copy(1, PASSED, "aaaa"), copy(2, PASSED, "bbbb"), copy(3, PASSED, "cccc")));
        assertThat(o).isInstanceOfSatisfying(Impossible.class, i -> assertThat(i.reason())
                .startsWith("redundancy: no 2 of 3 copies agree")
                .contains("copies #1 (node n1) report logsHash aaaa").contains("#2 (node n2) report logsHash bbbb"));
    }

    @Test
    @DisplayName("a copy that failed its own checks counts against agreement and is named in the reason")
    void failedCopies() {
        assertThat(CopyComparison.compare(TWO_OF_THREE,
                List.of(copy(1, PASSED, "h"), copy(2, FAILED, null), copy(3, PENDING, null))))
                .isInstanceOf(Waiting.class);
        assertThat(CopyComparison.compare(TWO_OF_THREE,
                List.of(copy(1, PASSED, "h"), copy(2, FAILED, null), copy(3, FAILED, null))))
                .isInstanceOfSatisfying(Impossible.class,
                        i -> assertThat(i.reason()).contains("copies #2 (node n2),#3 (node n3) failed their own checks"));
    }

    @Test
    @DisplayName("the outcome does not depend on the order the copies are listed in")
    void orderFree() {
        List<Copy> copies = new ArrayList<>(List.of(copy(1, PASSED, "h"), copy(2, PASSED, "x"), copy(3, PENDING, null),
                copy(4, PASSED, "h"), copy(5, PASSED, "h")));
        Redundancy threeOfFive = new Redundancy(5, 3);
        Outcome first = CopyComparison.compare(threeOfFive, copies);
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(copies, random);
            assertThat(CopyComparison.compare(threeOfFive, copies)).isEqualTo(first);
        }
    }

    @Test
    @DisplayName("a list that is not the job's n copies is a programming error")
    void wrongCount() {
        assertThatThrownBy(() -> CopyComparison.compare(TWO_OF_THREE, List.of(copy(1, PASSED, "h"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 3 copies, not 1");
    }
}
