// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.units.ByteSize;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The behaviour every sandbox driver must show, run against each driver by a subclass that supplies the driver
 * and a spec builder for its images. Needs only a POSIX shell and busybox-like tools in the image.
 */
public abstract class SandboxContract {

    /** The driver under test. */
    protected abstract SandboxDriver driver() throws Exception;

    /** A builder for a sandbox that runs {@code sh -c script} in the driver's test image, with job defaults. */
    protected abstract SandboxSpec.Builder shell(String script);

    /** Names of this driver's sandboxes still present on the host. */
    protected abstract List<String> leftovers() throws Exception;

    /**
     * Behaviours of this kit that do not apply to the driver under test: test method name to the reason, shown
     * as the skip message. None by default; a driver must justify each one.
     */
    protected Map<String, String> notApplicable() {
        return Map.of();
    }

    @BeforeEach
    void skipWhatDoesNotApply(TestInfo test) {
        NotApplicable.skipIfListed(test, notApplicable());
    }

    /** Output of a sandbox run to its end, with its exit status. */
    protected record Run(ExitStatus exit, String stdout, String stderr) {
    }

    protected Run run(SandboxSpec spec, Duration timeout) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Sandbox s = driver().create(spec)) {
            s.start((stream, bytes, off, len) -> (stream == LogSink.Stream.STDERR ? err : out).write(bytes, off, len));
            Optional<ExitStatus> exit = s.await(timeout);
            assertThat(exit).as("sandbox %s finished within %s", spec.name(), timeout).isPresent();
            return new Run(exit.get(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            assertThat(leftovers()).as("sandboxes left behind").noneMatch(n -> n.equals(spec.name()));
        }
    }

    protected Run run(SandboxSpec spec) throws Exception {
        return run(spec, Duration.ofSeconds(60));
    }

    @Test
    @DisplayName("stdout and stderr arrive on their streams and the exit code is reported")
    void outputAndExitCode() throws Exception {
        Run r = run(shell("echo out; echo err >&2; exit 3").build());
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.exit().exitCode()).isEqualTo(3);
        assertThat(r.exit().oomKilled()).isFalse();
    }

    @Test
    @DisplayName("files are delivered into the workspace and the output folder is writable")
    void filesDelivered() throws Exception {
        Run r = run(shell("cat /job/in/data.txt; ls -l /job/run.sh | cut -c1-10; sh /job/run.sh; "
                + "echo result > /job/out/r.txt && cat /job/out/r.txt").files(List.of(
                new JobFile("/job/in/data.txt", "payload\n".getBytes(StandardCharsets.UTF_8), 0644),
                new JobFile("/job/run.sh", "echo script ran\n".getBytes(StandardCharsets.UTF_8), 0755))).build());
        assertThat(r.stdout()).isEqualTo("payload\n-rwxr-xr-x\nscript ran\nresult\n");
        assertThat(r.exit().exitCode()).isZero();
    }

    @Test
    @DisplayName("environment variables and secrets reach the workload; stdin is closed")
    void envAndSecrets() throws Exception {
        Run r = run(shell("echo \"$PLAIN $TOKEN\"; cat; echo stdin-closed")
                .env(Map.of("PLAIN", "visible")).secrets(Map.of("TOKEN", SecretValue.of("s3cret"))).build());
        assertThat(r.stdout()).isEqualTo("visible s3cret\nstdin-closed\n");
    }

    @Test
    @DisplayName("by default the workload runs as a non-root user")
    void nonRoot() throws Exception {
        Run r = run(shell("id -u; id -g").build());
        assertThat(r.stdout()).isEqualTo("65534\n65534\n");
    }

    @Test
    @DisplayName("by default the root filesystem is read-only and /tmp is writable")
    void readOnlyRoot() throws Exception {
        Run r = run(shell("touch /etc/hearth-x 2>&1; touch /hearth-x 2>&1; echo ok > /tmp/x && cat /tmp/x").build());
        assertThat(r.stdout()).contains("Read-only file system").endsWith("ok\n");
    }

    @Test
    @DisplayName("by default there is no network: loopback only and no route")
    void noNetwork() throws Exception {
        Run r = run(shell("ls /sys/class/net; echo routes:; tail -n +2 /proc/net/route").build());
        assertThat(r.stdout()).isEqualTo("lo\nroutes:\n");
    }

    @Test
    @DisplayName("with network nat the workload gets an interface and a default route (control for noNetwork)")
    void natNetwork() throws Exception {
        Run r = run(shell("ls /sys/class/net | grep -v '^lo$' | wc -l; tail -n +2 /proc/net/route | wc -l")
                .network(NetworkMode.NAT).build());
        assertThat(r.stdout().lines().map(String::strip).toList()).doesNotContain("0").hasSize(2);
    }

    @Test
    @DisplayName("capabilities are all dropped and no-new-privileges is set")
    void privilegesDropped() throws Exception {
        Run r = run(shell("grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status").build());
        assertThat(r.stdout()).contains("CapEff:\t0000000000000000").contains("CapBnd:\t0000000000000000")
                .contains("NoNewPrivs:\t1").contains("Seccomp:\t2");
    }

    @Test
    @DisplayName("the pids limit stops processes past it")
    void pidsLimit() throws Exception {
        Run r = run(shell("i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done 2>&1; echo spawned; "
                + "kill $(jobs -p) 2>/dev/null; exit 0")
                .limits(Limits.JOB_DEFAULTS.withPids(16)).build());
        assertThat(r.stdout() + r.stderr()).contains("can't fork");
    }

    @Test
    @DisplayName("a workload past its memory limit is killed and reported as OOM")
    void memoryLimit() throws Exception {
        Run r = run(shell("tail /dev/zero")
                .limits(Limits.JOB_DEFAULTS.withMemory(ByteSize.parse("memory", "32m"))).build());
        assertThat(r.exit().oomKilled()).isTrue();
        assertThat(r.exit().exitCode()).isNotZero();
    }

    @Test
    @DisplayName("await times out on a sleeper; stop kills it after the grace even if it ignores SIGTERM")
    void stopAfterGrace() throws Exception {
        SandboxSpec spec = shell("trap '' TERM; echo waiting; while true; do sleep 1; done").build();
        try (Sandbox s = driver().create(spec)) {
            s.start(LogSink.discard());
            assertThat(s.await(Duration.ofMillis(500))).isEmpty();
            long t0 = System.nanoTime();
            ExitStatus stopped = s.stop(Duration.ofSeconds(1));
            assertThat(stopped.exitCode()).isNotZero();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        }
        assertThat(leftovers()).doesNotContain(spec.name());
    }

    @Test
    @DisplayName("await can be asked again and again: short waits time out until the sandbox really exits")
    void repeatedAwait() throws Exception {
        SandboxSpec spec = shell("sleep 2; echo done; exit 7").build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Sandbox s = driver().create(spec)) {
            s.start((stream, bytes, off, len) -> out.write(bytes, off, len));
            long t0 = System.nanoTime();
            assertThat(s.await(Duration.ofMillis(100))).isEmpty();
            assertThat(s.await(Duration.ofMillis(100))).isEmpty();
            Optional<ExitStatus> exit = Optional.empty();
            while (exit.isEmpty() && System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
                exit = s.await(Duration.ofMillis(200));
            }
            assertThat(exit).isPresent();
            assertThat(exit.get().exitCode()).isEqualTo(7);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("done\n");
        }
    }

    @Test
    @DisplayName("close during await aborts the wait with an error, never with an exit status the workload did not have")
    void closeAbortsAwait() throws Exception {
        SandboxSpec spec = shell("sleep 600").build();
        Sandbox s = driver().create(spec);
        s.start(LogSink.discard());
        java.util.concurrent.CompletableFuture<Optional<ExitStatus>> waiting = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return s.await(Duration.ofSeconds(60));
                    } catch (SandboxException | InterruptedException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        Thread.sleep(300);
        s.close();
        assertThatThrownBy(() -> waiting.get(30, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(SandboxException.class);
        assertThat(leftovers()).doesNotContain(spec.name());
    }

    @Test
    @DisplayName("close removes a running sandbox and everything it made")
    void closeRemovesRunning() throws Exception {
        SandboxSpec spec = shell("sleep 600").build();
        Sandbox s = driver().create(spec);
        s.start(LogSink.discard());
        assertThat(leftovers()).contains(spec.name());
        s.close();
        s.close(); // idempotent
        assertThat(leftovers()).doesNotContain(spec.name());
    }

    @Test
    @DisplayName("exec runs a command inside the running sandbox")
    void exec() throws Exception {
        SandboxSpec spec = shell("sleep 600").build();
        try (Sandbox s = driver().create(spec)) {
            s.start(LogSink.discard());
            ExecResult r = s.exec(List.of("sh", "-c", "echo inside; id -u; exit 4"), Duration.ofSeconds(30));
            assertThat(r.stdout()).isEqualTo("inside\n65534\n");
            assertThat(r.exitCode()).isEqualTo(4);
        }
    }

    @Test
    @DisplayName("a missing image is refused with a message naming it and how to provide it")
    void missingImage() {
        SandboxSpec spec = SandboxSpec.builder("127.0.0.1:1/hearth-missing:latest", List.of("true")).build();
        assertThatThrownBy(() -> driver().create(spec))
                .isInstanceOf(ImageNotFoundException.class)
                .hasMessageContaining("127.0.0.1:1/hearth-missing:latest")
                .hasMessageContaining("hearth image import");
    }
}
