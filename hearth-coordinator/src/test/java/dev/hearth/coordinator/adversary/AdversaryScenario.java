// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every adversary scenario class shares: a data folder of its own and the coordinator it starts there (in the
 * test, with the settings the scenario needs), closed after each test. Each scenario ends with
 * {@link AdversaryChecks#after}. One test at a time.
 */
abstract class AdversaryScenario {

    @TempDir
    Path data;
    AdversaryCoordinator coordinator;

    @AfterEach
    void stopCoordinator() throws Exception {
        if (coordinator != null) {
            coordinator.close();
        }
    }
}
