// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.protocol.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth job list follows the coordinator's pages up to its --limit")
class JobListPagingTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("five jobs in pages of two are all listed, newest first; --limit stops early")
    void followsPages() throws Exception {
        Path data = dir.resolve("coordinator");
        try (CoordinatorServer coordinator = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data,
                Duration.ofSeconds(1), Duration.ofSeconds(10), Protocol.DEFAULT_MAX_FRAME_BYTES,
                Duration.ofMillis(200)), InstantSource.system())) {
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("HEARTH_COORDINATOR", "http://127.0.0.1:" + coordinator.port());
            env.put("HEARTH_TOKEN", Files.readString(data.resolve("admin.token")).strip());
            env.put("HEARTH_HOME", dir.resolve("home").toString());
            for (int i = 0; i < 5; i++) {
                CliRun made = CliRun.of(env, "job", "submit", "--", "echo", String.valueOf(i));
                assertThat(made.exit()).as(made.err()).isZero();
                Thread.sleep(2); // distinct submission times, so newest-first is the order made
            }
            CliRun all = CliRun.of(env, "job", "list", "--page-size", "2");
            assertThat(all.exit()).as(all.err()).isZero();
            assertThat(all.out().lines().skip(1).toList()).hasSize(5).allSatisfy(l -> assertThat(l).contains("queued"));
            CliRun three = CliRun.of(env, "job", "list", "--page-size", "2", "--limit", "3");
            assertThat(three.out().lines().skip(1).toList()).hasSize(3);
        }
    }
}
