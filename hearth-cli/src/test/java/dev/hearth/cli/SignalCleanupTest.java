// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.DockerFixture;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A hearth process stopped by a signal removes its job's container")
class SignalCleanupTest {

    @Test
    @DisplayName("SIGTERM to hearth run mid-job leaves no container behind")
    void sigtermRemovesContainer() throws Exception {
        DockerFixture.driver();
        String id = "sig-" + UUID.randomUUID();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process hearth = new ProcessBuilder(List.of(java.toString(), "-cp", classpath, Main.class.getName(),
                "run", "--job-id", id, "--", "sleep", "600"))
                .redirectErrorStream(true).redirectOutput(new File("target/sigterm-test.log")).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (DockerFixture.hearthContainers(id).isEmpty()) {
                assertThat(System.nanoTime()).as("job container appeared within 60 s").isLessThan(deadline);
                assertThat(hearth.isAlive()).as("hearth still running").isTrue();
                Thread.sleep(100);
            }
            Thread.sleep(500);
            hearth.destroy(); // SIGTERM
            assertThat(hearth.waitFor(60, TimeUnit.SECONDS)).as("hearth exited after SIGTERM").isTrue();
            assertThat(DockerFixture.hearthContainers(id)).isEmpty();
        } finally {
            hearth.destroyForcibly();
        }
    }
}
