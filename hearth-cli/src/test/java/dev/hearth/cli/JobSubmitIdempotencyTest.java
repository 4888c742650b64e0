// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth job submit --idempotency-key: a retried submit answers the first job; another job with the key is refused")
class JobSubmitIdempotencyTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("the same key and job twice make one job; the same key with another command fails naming the header")
    void retriedSubmitMakesOneJob() throws Exception {
        try (TestCoordinator coordinator = TestCoordinator.start(dir.resolve("coordinator"))) {
            var env = coordinator.env();
            env.put("HEARTH_HOME", dir.resolve("home").toString());
            CliRun first = CliRun.of(env, "job", "submit", "--idempotency-key", "retry-1", "--", "echo", "hi");
            CliRun again = CliRun.of(env, "job", "submit", "--idempotency-key", "retry-1", "--", "echo", "hi");
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.out().strip()).isEqualTo(first.out().strip());
            CliRun list = CliRun.of(env, "job", "list");
            assertThat(list.out().lines().skip(1).toList()).hasSize(1);
            CliRun other = CliRun.of(env, "job", "submit", "--idempotency-key", "retry-1", "--", "echo", "bye");
            assertThat(other.exit()).isNotZero();
            assertThat(other.err()).contains("422").contains("Idempotency-Key");
        }
    }
}
