// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("e2e")
@DisplayName("hearth run --runtime qemu: a job in a QEMU microVM, with the same result document and proofs as Docker")
class QemuRunE2eTest {

    private final String id = "vm-" + UUID.randomUUID();

    @BeforeAll
    static void guestImage() throws Exception {
        VmFixture.image(); // built once per machine through the image cache, as hearth run would
    }

    @AfterEach
    void nothingLeft() throws Exception {
        String vm = MicroVmDriver.vmId("hearth-job-" + id);
        assertThat(VmFixture.runningVms()).as("VM processes left").doesNotContain(vm);
        assertThat(Files.exists(MicroVmDriver.defaultRunRoot().resolve(vm))).as("run folder left").isFalse();
    }

    @Test
    @DisplayName("--json: output, exit code and hashes that recompute from the document's own fields")
    void jsonResult() throws Exception {
        CliRun r = CliRun.of("run", "--runtime", "qemu", "--json", "--job-id", id, "--", "sh", "-c",
                "echo hi from $(uname -s); exit 3");
        assertThat(r.exit()).as(r.err()).isEqualTo(3);
        JsonNode doc = Json.mapper().readTree(r.out());
        assertThat(doc.get("status").asText()).isEqualTo("failed");
        assertThat(doc.get("exitCode").asLong()).isEqualTo(3);
        assertThat(doc.get("logs").asText()).isEqualTo("hi from Linux\n");
        assertThat(doc.get("logsHash").asText()).isEqualTo(ProofHashes.logsHash("hi from Linux\n"));
        assertThat(doc.get("executionHash").asText()).isEqualTo(ProofHashes.executionHash(id, "hi from Linux\n", 3,
                "failed", doc.get("timestamp").asText()));
        assertThat(r.err()).contains("(qemu; network none");
    }

    @Test
    @DisplayName("files, env and secrets reach the guest; the secret appears nowhere in hearth's output; exit 0")
    void filesEnvSecrets(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("data.txt"), "payload\n");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_TEST_TOKEN", "tok-5a4b3c");
        CliRun r = CliRun.of(env, "run", "--runtime", "qemu", "--job-id", id, "--file", data + ":in/data.txt",
                "--env", "MODE=fast", "--secret", "HEARTH_TEST_TOKEN", "--", "sh", "-c",
                "cat /job/in/data.txt; echo $MODE; [ \"$HEARTH_TEST_TOKEN\" = tok-5a4b3c ] && echo secret-ok; "
                        + "ls /tmp | wc -l");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("payload\nfast\nsecret-ok\n0\n");
        assertThat(r.err()).doesNotContain("tok-5a4b3c").contains("status         completed");
    }

    @Test
    @DisplayName("a timeout stops the VM and exits 124")
    void timeout() {
        CliRun r = CliRun.of("run", "--runtime", "qemu", "--job-id", id, "--timeout", "3s", "--", "sleep", "600");
        assertThat(r.exit()).as(r.err()).isEqualTo(124);
        assertThat(r.err()).contains("status         timeout (job exceeded its timeout of 3s and was stopped)");
    }

    @Test
    @DisplayName("--disk-size gives the job a private, writable root disk of that size")
    void diskSize() {
        CliRun r = CliRun.of("run", "--runtime", "qemu", "--disk-size", "64m", "--job-id", id, "--", "sh", "-c",
                "df -k / | tail -1 | awk '{print ($2 > 50000) ? \"big\" : \"small\"}'");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("big\n");
    }
}
