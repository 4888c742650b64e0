// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.agent.node.NodeAgent;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.proof.ProofHashes;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("e2e")
@DisplayName("Both clients against a real coordinator and a real agent on the Docker engine")
class ClientE2eTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("Java (with a client's key), then Python: a job's logs stream while it runs, it completes, and its "
            + "receipt verifies here with the key its node registered")
    void runsAJob() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); NodeAgent agent = Coordinators.agent(c, dir);
                HearthClient hearth = Coordinators.newClient(c, dir, "carol")) {
            // a client may not read nodes (GET /v1/nodes is for admins and operators): the key comes with the receipt
            Job job = hearth.jobs().submit(JobDocument.builder().command("sh", "-c", "echo hello; sleep 1; echo world")
                    .memory("64m").cpus("0.25").build());
            StringBuilder streamed = new StringBuilder();
            JobInfo end = job.followLogs(streamed::append);
            assertThat(streamed.toString()).isEqualTo("hello\nworld\n");
            assertThat(job.waitFor(Duration.ofSeconds(60)).state()).as("%s", end.json()).isEqualTo("completed");
            VerifiedReceipt receipt = job.receipt();
            assertThat(receipt.receipt().jobId()).isEqualTo(job.id());
            assertThat(receipt.receipt().logsHash()).isEqualTo(ProofHashes.logsHash("hello\nworld\n"));

            String report = PythonTests.run(Map.of("HEARTH_URL", Coordinators.url(c), "HEARTH_TOKEN",
                    new String(Coordinators.adminToken(dir)), "HEARTH_AGENT", "1"), 180);
            assertThat(report).as("Python: the same with a real agent")
                    .containsPattern("test_a_job_runs_with_its_logs_and_a_verified_receipt \\([^)]*\\) \\.\\.\\. ok");
        }
    }

    @Test
    @DisplayName("must show, from Java and then from Python: a 50 MiB input, streamed logs, outputs checked against "
            + "the verified receipt, and a retried submit making one job")
    void mustShow() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); NodeAgent agent = Coordinators.agent(c, dir);
                HearthClient admin = Coordinators.client(c, dir); FlakyProxy proxy = new FlakyProxy(c.port());
                HearthClient hearth = HearthClient.builder().url(URI.create(proxy.url()))
                        .token(Coordinators.adminToken(dir)).build()) {
            Path big = dir.resolve("big.bin");
            byte[] content = new byte[50 * 1024 * 1024];
            new Random(17).nextBytes(content);
            Files.write(big, content);
            String want = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
            Job job = hearth.jobs().submit(JobDocument.builder().command("sh", "-c", "echo start; sha256sum "
                    + "/job/data/big.bin | cut -d' ' -f1 > /job/out/sum.txt; sleep 1; cat /job/out/sum.txt; echo done")
                    .input("data/big.bin", big).memory("128m").cpus("0.5").timeout("120s").build());
            assertThat(proxy.submits()).as("the submit was sent twice (its first answer lost)").isEqualTo(2);
            assertThat(job.replayed()).isTrue();
            assertThat(admin.jobs().all(null, 100)).as("one job").hasSize(1);

            StringBuilder streamed = new StringBuilder();
            job.followLogs(streamed::append);
            assertThat(streamed.toString()).isEqualTo("start\n" + want + "\ndone\n");
            assertThat(job.waitFor(Duration.ofSeconds(60)).state()).isEqualTo("completed");
            VerifiedReceipt receipt = admin.jobs().job(job.id()).receipt();
            assertThat(job.outputs()).extracting(OutputFile::sha256)
                    .containsExactly(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest((want + "\n").getBytes(StandardCharsets.UTF_8))));
            DownloadedOutputs got = job.downloadOutputs(dir.resolve("out"), receipt);
            assertThat(got.files()).hasSize(1);
            assertThat(Files.readString(got.files().get(0))).isEqualTo(want + "\n");

            try (FlakyProxy pythonProxy = new FlakyProxy(c.port())) {
                Map<String, String> env = new HashMap<>(Map.of("HEARTH_URL", Coordinators.url(c), "HEARTH_TOKEN",
                        new String(Coordinators.adminToken(dir)), "HEARTH_FLAKY_URL", pythonProxy.url(),
                        "HEARTH_AGENT", "1", "HEARTH_MUST_SHOW", "1"));
                String report = PythonTests.run(env, 300, "-v", "tests.test_live.CoordinatorTest."
                        + "test_must_show_a_50_mib_input_streamed_logs_outputs_and_receipt_with_a_retried_submit");
                assertThat(report).containsPattern("test_must_show\\w* \\([^)]*\\) \\.\\.\\. ok")
                        .doesNotContain("skipped");
                assertThat(pythonProxy.submits()).as("Python sent its submit twice").isEqualTo(2);
            }
        }
    }
}
