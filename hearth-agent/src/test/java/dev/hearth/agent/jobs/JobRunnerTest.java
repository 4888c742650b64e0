// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The job runner, on the real Docker engine: statuses, limits, proofs, and nothing left behind")
class JobRunnerTest {

    private final String id = "t-" + UUID.randomUUID();

    private JobRunner runner(int maxChars, Duration grace) throws Exception {
        return new JobRunner(DockerFixture.driver(), maxChars, grace, InstantSource.system());
    }

    private JobSpec.Builder job(String script) {
        return JobSpec.builder(id, BaseImages.BUSYBOX, List.of("sh", "-c", script));
    }

    @AfterEach
    void nothingLeft() throws Exception {
        assertThat(DockerFixture.hearthContainers(id)).as("containers of job %s left behind", id).isEmpty();
    }

    @Test
    @DisplayName("outputs over the limit: the first files are hashed, and the result's message says it was truncated")
    void outputsTruncated() throws Exception {
        JobRunner limited = new JobRunner(DockerFixture.driver(), 10_000, Duration.ofSeconds(10),
                InstantSource.system(), new dev.hearth.sandbox.OutputLimits(2, 1000));
        JobRunner.Execution done = limited.execute(job("for i in 1 2 3; do echo $i > /job/out/f$i; done").build(),
                LogSink.discard(), new Cancellation());
        assertThat(done.result().status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.outputs().truncated()).isTrue();
        assertThat(done.outputs().files()).hasSize(2);
        assertThat(done.result().message()).startsWith("outputs truncated: more than 2 files or 1000 bytes in /job/out");
        assertThat(done.result().hashesHold()).isTrue();
    }

    @Test
    @DisplayName("a successful job completes with its output and hashes anyone can recompute")
    void completes() throws Exception {
        StringBuilder live = new StringBuilder();
        JobResult r = runner(10_000, Duration.ofSeconds(10)).run(job("echo hello; echo done").build(),
                (s, b, o, l) -> live.append(new String(b, o, l, StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.logs()).isEqualTo("hello\ndone\n");
        assertThat(live).hasToString("hello\ndone\n");
        assertThat(r.logBytes()).isEqualTo(11);
        assertThat(r.logsHash()).isEqualTo(ProofHashes.logsHash("hello\ndone\n"));
        assertThat(r.executionHash()).isEqualTo(
                ProofHashes.executionHash(id, r.logs(), 0, "completed", r.timestamp()));
        assertThat(r.hashesHold()).isTrue();
        assertThat(r.processExitCode()).isZero();
    }

    @Test
    @DisplayName("a job longer than one poll runs to its real end, and a cancelled one stops with its reason and output")
    void longJobAndCancellation() throws Exception {
        JobResult whole = runner(10_000, Duration.ofSeconds(1)).run(job("sleep 1; echo slept").build(),
                (s, b, o, l) -> { });
        assertThat(whole.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(whole.logs()).isEqualTo("slept\n");
        assertThat(whole.durationMillis()).isGreaterThanOrEqualTo(900);

        Cancellation cancel = new Cancellation();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try {
                started.await();
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cancel.cancel("the test asked");
        });
        JobResult r = runner(10_000, Duration.ofSeconds(1)).run(job("echo before; sleep 60").build(),
                (s, b, o, l) -> started.countDown(), cancel);
        assertThat(r.status()).isEqualTo(JobStatus.ERROR);
        assertThat(r.message()).isEqualTo("cancelled: the test asked");
        assertThat(r.logs()).isEqualTo("before\n");
        assertThat(r.durationMillis()).isLessThan(30_000);
        assertThat(r.hashesHold()).isTrue();
    }

    @Test
    @DisplayName("a failing command is reported failed with its exit code")
    void fails() throws Exception {
        JobResult r = runner(10_000, Duration.ofSeconds(10)).run(job("echo oops >&2; exit 42").build(),
                LogSink.discard());
        assertThat(r.status()).isEqualTo(JobStatus.FAILED);
        assertThat(r.exitCode()).isEqualTo(42);
        assertThat(r.logs()).isEqualTo("oops\n");
        assertThat(r.processExitCode()).isEqualTo(42);
    }

    @Test
    @DisplayName("a sleeper past its timeout is stopped, reported as timeout and removed")
    void timeout() throws Exception {
        long t0 = System.nanoTime();
        JobResult r = runner(10_000, Duration.ofSeconds(1)).run(
                job("echo started; sleep 600").timeout(Duration.ofSeconds(2)).build(), LogSink.discard());
        assertThat(r.status()).isEqualTo(JobStatus.TIMEOUT);
        assertThat(r.message()).contains("timeout of 2s");
        assertThat(r.logs()).isEqualTo("started\n");
        assertThat(r.processExitCode()).isEqualTo(124);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        assertThat(r.hashesHold()).isTrue();
    }

    @Test
    @DisplayName("a memory hog is reported as OOM, not as a bare exit code")
    void oom() throws Exception {
        JobResult r = runner(10_000, Duration.ofSeconds(1)).run(job("tail /dev/zero")
                .limits(Limits.JOB_DEFAULTS.withMemory(ByteSize.parse("--memory", "32m"))).build(), LogSink.discard());
        assertThat(r.status()).isEqualTo(JobStatus.OOM);
        assertThat(r.message()).contains("memory limit of 32m");
        assertThat(r.processExitCode()).isEqualTo(137);
    }

    @Test
    @DisplayName("a fork bomb is held by the pids limit and ends at the timeout")
    void forkBomb() throws Exception {
        JobResult r = runner(10_000, Duration.ofSeconds(1)).run(job("b() { b | b & }; b; sleep 600")
                .limits(Limits.JOB_DEFAULTS.withPids(32)).timeout(Duration.ofSeconds(4)).build(), LogSink.discard());
        assertThat(r.status()).isIn(JobStatus.TIMEOUT, JobStatus.FAILED);
        assertThat(r.logs()).contains("can't fork");
    }

    @Test
    @DisplayName("output past the log cap is cut with a marker, and every byte is still counted")
    void logCap() throws Exception {
        JobResult r = runner(1000, Duration.ofSeconds(1)).run(
                job("i=0; while [ $i -lt 500 ]; do echo 0123456789abcdefghi; i=$((i+1)); done").build(),
                LogSink.discard());
        assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.logsTruncated()).isTrue();
        assertThat(r.logBytes()).isEqualTo(500 * 20);
        assertThat(r.logs()).startsWith("0123456789abcdefghi\n")
                .endsWith("[hearth: log truncated after 1000 characters; the job wrote 10000 bytes]\n");
        assertThat(r.logs().codePointCount(0, r.logs().length())).isLessThan(1100);
        assertThat(r.hashesHold()).isTrue();
    }

    @Test
    @DisplayName("files, env and secrets are delivered; secrets reach the job but not the result's message")
    void filesEnvSecrets() throws Exception {
        JobResult r = runner(10_000, Duration.ofSeconds(1)).run(job("sh /job/hello.sh; echo $GREETING; "
                + "[ \"$API_KEY\" = sk-123 ] && echo secret-ok")
                .file(new JobFile("/job/hello.sh", "echo from file\n".getBytes(StandardCharsets.UTF_8), 0644))
                .env("GREETING", "hi").secret("API_KEY", SecretValue.of("sk-123")).build(), LogSink.discard());
        assertThat(r.logs()).isEqualTo("from file\nhi\nsecret-ok\n");
    }

    @Test
    @DisplayName("a missing image gives an error result with the reason, and no container")
    void missingImage() throws Exception {
        JobResult r = runner(10_000, Duration.ofSeconds(1)).run(
                JobSpec.builder(id, "127.0.0.1:1/hearth-missing:latest", List.of("true")).build(), LogSink.discard());
        assertThat(r.status()).isEqualTo(JobStatus.ERROR);
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.message()).contains("127.0.0.1:1/hearth-missing:latest").contains("hearth image import");
        assertThat(r.processExitCode()).isEqualTo(125);
    }

    @Test
    @DisplayName("interrupting the runner mid-job removes the container before the interrupt propagates")
    void interrupted() throws Exception {
        JobRunner runner = runner(10_000, Duration.ofSeconds(1));
        CompletableFuture<Thread> worker = new CompletableFuture<>();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> {
            worker.complete(Thread.currentThread());
            try {
                return runner.run(job("sleep 600").build(), LogSink.discard());
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted", e);
            }
        }, r -> new Thread(r).start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (DockerFixture.hearthContainers(id).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(500);
        worker.get().interrupt();
        // The interrupt may land in an engine call (start, on a loaded machine) rather than the wait: the runner
        // then throws an InterruptedException whose cause is the engine's ClosedByInterruptException.
        assertThatThrownBy(() -> run.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).cause().isInstanceOf(InterruptedException.class);
    }
}
