// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInfo;

/** How a contract kit skips a behaviour its driver declared not applicable, with the driver's reason. */
final class NotApplicable {

    private NotApplicable() {
    }

    /** Skips {@code test} (aborts it as an assumption) when {@code reasons} name its method, with that reason. */
    static void skipIfListed(TestInfo test, Map<String, String> reasons) {
        test.getTestMethod().map(m -> reasons.get(m.getName()))
                .ifPresent(reason -> Assumptions.assumeTrue(false, reason));
    }
}
