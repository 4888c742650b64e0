// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.sandbox.DockerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth run, end to end in-process against the real Docker engine")
class RunCommandTest {

    private final String id = "cli-" + UUID.randomUUID();

    @BeforeAll
    static void image() throws Exception {
        DockerFixture.driver();
    }

    @AfterEach
    void nothingLeft() throws Exception {
        assertThat(DockerFixture.hearthContainers(id)).isEmpty();
    }

    @Test
    @DisplayName("streams the job's output, prints the result with hashes, and exits with the job's status")
    void humanResult() {
        CliRun r = CliRun.of("run", "--job-id", id, "--", "sh", "-c", "echo hello; echo warn >&2; exit 3");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).isEqualTo("hello\n");
        assertThat(r.err()).contains("warn\n").contains("status         failed").contains("exit code      3")
                // stdout and stderr are merged in arrival order, which the engine does not fix across streams
                .containsAnyOf("logsHash       " + ProofHashes.logsHash("hello\nwarn\n"),
                        "logsHash       " + ProofHashes.logsHash("warn\nhello\n"))
                .containsPattern("executionHash  [0-9a-f]{64}").contains("log bytes      11");
    }

    @Test
    @DisplayName("--json prints one result document whose hashes recompute from its own fields")
    void jsonResult() throws Exception {
        CliRun r = CliRun.of("run", "--json", "--job-id", id, "--", "echo", "hi");
        assertThat(r.exit()).isZero();
        JsonNode doc = Json.mapper().readTree(r.out());
        assertThat(doc.get("jobId").asText()).isEqualTo(id);
        assertThat(doc.get("status").asText()).isEqualTo("completed");
        assertThat(doc.get("logs").asText()).isEqualTo("hi\n");
        assertThat(doc.get("logsTruncated").asBoolean()).isFalse();
        assertThat(doc.get("executionHash").asText()).isEqualTo(ProofHashes.executionHash(id, "hi\n", 0,
                "completed", doc.get("timestamp").asText()));
        assertThat(r.err()).contains("hi\n"); // live output goes to stderr under --json
    }

    @Test
    @DisplayName("files, env and secrets flags reach the job; the secret's value appears nowhere in hearth's output")
    void filesEnvSecrets(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("data.txt"), "payload\n");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_TEST_TOKEN", "tok-9f8e7d");
        CliRun r = CliRun.of(env, "run", "--job-id", id, "--file", data + ":in/data.txt", "--env", "MODE=fast",
                "--secret", "HEARTH_TEST_TOKEN", "--", "sh", "-c",
                "cat /job/in/data.txt; echo $MODE; [ \"$HEARTH_TEST_TOKEN\" = tok-9f8e7d ] && echo secret-ok");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("payload\nfast\nsecret-ok\n");
        assertThat(r.err()).doesNotContain("tok-9f8e7d");
    }

    @Test
    @DisplayName("a timeout exits 124 and says so")
    void timeout() {
        CliRun r = CliRun.of("run", "--job-id", id, "--timeout", "1s", "--", "sleep", "60");
        assertThat(r.exit()).isEqualTo(124);
        assertThat(r.err()).contains("status         timeout (job exceeded its timeout of 1s and was stopped)");
    }

    @Test
    @DisplayName("a missing image exits 125 with the image's name and how to make it")
    void missingImage() {
        CliRun r = CliRun.of("run", "--job-id", id, "--image", "127.0.0.1:1/nothing:here", "--", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("status         error").contains("127.0.0.1:1/nothing:here")
                .contains("hearth image import");
    }

    @Test
    @DisplayName("hearth image import makes a runnable image from a root filesystem tar")
    void imageImport(@TempDir Path dir) throws Exception {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/echo"), Path.of("busybox"));
        Path tar = dir.resolve("rootfs.tar");
        Process p = new ProcessBuilder("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".").inheritIO().start();
        assertThat(p.waitFor()).isZero();
        String tag = "hearth-test/imported:" + id.substring(4, 12);
        CliRun made = CliRun.of("image", "import", tar.toString(), "--tag", tag);
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(made.out()).startsWith("sha256:");
        CliRun ran = CliRun.of("run", "--job-id", id, "--image", tag, "--", "echo", "imported works");
        assertThat(ran.out()).isEqualTo("imported works\n");
        new ProcessBuilder("docker", "rmi", tag).start().waitFor();
    }
}
