// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.CoordinatorServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The Python client (clients/python) against a real coordinator")
class PythonClientTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("its unittest suite passes: problem errors, a retried submit making one job, keys, paging, cancel, "
            + "receipts checked against hearth-core's vectors")
    void pythonSuite() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); FlakyProxy proxy = new FlakyProxy(c.port())) {
            String report = PythonTests.run(Map.of("HEARTH_URL", Coordinators.url(c), "HEARTH_TOKEN",
                    new String(Coordinators.adminToken(dir)), "HEARTH_FLAKY_URL", proxy.url()), 120);
            assertThat(report).contains("test_a_retried_submit_makes_one_job", "test_canonical_text_is_the_java_verifiers")
                    .containsPattern("test_a_retried_submit_makes_one_job \\([^)]*\\) \\.\\.\\. ok");
            assertThat(proxy.submits()).as("the Python client sent its submit twice").isEqualTo(2);
        }
    }
}
