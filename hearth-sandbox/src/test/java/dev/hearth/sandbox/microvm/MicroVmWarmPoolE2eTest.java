// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("e2e")
@DisplayName("Warm pools of QEMU microVMs, booting Hearth's guest under QEMU (TCG here)")
class MicroVmWarmPoolE2eTest {

    private Path runRoot;
    private MicroVmWarmPools pools;

    @BeforeEach
    void open() throws Exception {
        runRoot = Files.createTempDirectory("hvm-pool-");
        pools = (MicroVmWarmPools) VmFixture.qemuDriver(runRoot).warmPools(new PoolSettings(1, Duration.ofMinutes(5)));
    }

    @AfterEach
    void close() throws Exception {
        if (pools != null) {
            pools.close();
        }
        assertThat(VmFixture.entries(runRoot)).as("run folders left behind").isEmpty();
        Files.deleteIfExists(runRoot);
    }

    private static SandboxSpec.Builder job(String script) {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script)).name("pj-" + hex(6));
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void awaitReady(SandboxSpec like) throws InterruptedException {
        pools.prewarm(like);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (pools.ready(like) < 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(pools.ready(like)).as("warm microVMs ready").isGreaterThanOrEqualTo(1);
    }

    /** Runs a pooled sandbox to its end: stdout, stderr and the exit. */
    private record Run(String out, String err, ExitStatus exit) {
    }

    private static Run run(Sandbox s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        s.start((stream, b, off, len) -> (stream == dev.hearth.sandbox.LogSink.Stream.STDERR ? err : out)
                .write(b, off, len));
        Optional<ExitStatus> exit = s.await(Duration.ofSeconds(60));
        assertThat(exit).as("the job ended").isPresent();
        return new Run(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), exit.get());
    }

    @Test
    @DisplayName("a pooled job gets its argv, environment, secrets, files, host name and user, and its exit code")
    void pooledJobRunsAsCold() throws Exception {
        String script = "echo \"$PLAIN|$TOKEN|$1\"; cat /job/data/in.txt; ls -l /job/run.sh | cut -c1-10; "
                + "hostname; id -u; pwd; ls -d /job/out; echo oops >&2; exit 7";
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script, "sh", "arg one"))
                .name("pj-" + hex(6))
                .env(Map.of("PLAIN", "it's \"quoted\" $HOME"))
                .secrets(Map.of("TOKEN", SecretValue.of("s3cr3t value")))
                .files(List.of(new JobFile("/job/data/in.txt", "line one\n".getBytes(StandardCharsets.UTF_8), 0644),
                        new JobFile("/job/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)))
                .build();
        awaitReady(spec);
        try (Sandbox s = pools.create(spec)) {
            assertThat(s.id()).startsWith("hearth-pool-");
            Run r = run(s);
            assertThat(r.out()).isEqualTo("it's \"quoted\" $HOME|s3cr3t value|arg one\nline one\n-rwxr-xr-x\n"
                    + MicroVmDriver.vmId(spec.name()) + "\n65534\n/job\n/job/out\n");
            assertThat(r.err()).isEqualTo("oops\n");
            assertThat(r.exit().exitCode()).isEqualTo(7);
            assertThat(r.exit().oomKilled()).isFalse();
        }
    }

    @Test
    @DisplayName("a pooled job over its memory limit is reported killed for memory, as a cold one")
    void pooledOomReported() throws Exception {
        SandboxSpec spec = job("head -c 200m /dev/zero | tail; echo survived")
                .limits(dev.hearth.core.job.Limits.JOB_DEFAULTS.withMemory(new ByteSize(32L << 20))).build();
        awaitReady(spec);
        try (Sandbox s = pools.create(spec)) {
            assertThat(s.id()).startsWith("hearth-pool-");
            Run r = run(s);
            assertThat(r.exit().oomKilled()).isTrue();
        }
    }

    @Test
    @DisplayName("each job gets a VM no job used before, the pool refills, and a used VM is gone after close")
    void neverReusesAndRefills() throws Exception {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SandboxSpec spec = job("echo run-" + i + "; cat /job/mark 2>/dev/null; echo mark-" + i + " > /job/mark")
                    .build();
            awaitReady(spec);
            Path runDir;
            try (Sandbox s = pools.create(spec)) {
                assertThat(s.id()).startsWith("hearth-pool-");
                assertThat(seen).doesNotContain(s.id());
                seen.add(s.id());
                runDir = ((MicroVmSandbox) s).config().runDir();
                assertThat(run(s).out()).isEqualTo("run-" + i + "\n");
            }
            assertThat(runDir).as("the used VM's run folder").doesNotExist();
            assertThat(VmFixture.runningVms()).as("the used VM's process").doesNotContain(seen.get(i));
        }
        SandboxSpec like = job("true").build();
        awaitReady(like); // refilled in the background
    }

    @Test
    @DisplayName("files up to the console limit reach a pooled job byte-exact, binary included")
    void largestFilesOverTheConsole() throws Exception {
        byte[] data = new byte[(int) MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES];
        new java.util.Random(16).nextBytes(data);
        String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        SandboxSpec spec = job("sha256sum /job/blob.bin | cut -d' ' -f1")
                .files(List.of(new JobFile("/job/blob.bin", data, 0600))).build();
        awaitReady(spec);
        try (Sandbox s = pools.create(spec)) {
            assertThat(s.id()).startsWith("hearth-pool-");
            long t0 = System.nanoTime();
            Run r = run(s);
            System.err.printf("a pooled job with %d bytes of files ran in %d ms%n", data.length,
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(r.out().trim()).isEqualTo(sha);
        }
    }

    @Test
    @DisplayName("a job that cannot be pooled, or when none is ready, is made cold and still runs")
    void coldWhenNotPoolable() throws Exception {
        SandboxSpec big = job("wc -c < /job/big").files(List.of(new JobFile("/job/big",
                new byte[(int) MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES + 1], 0644))).build();
        assertThat(pools.poolable(big)).isFalse();
        try (Sandbox s = pools.create(big)) {
            assertThat(s.id()).doesNotStartWith("hearth-pool-");
            assertThat(run(s).out().trim()).isEqualTo(Long.toString(MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES + 1));
        }
        SandboxSpec nat = job("true").network(dev.hearth.core.job.NetworkMode.NAT).build();
        assertThat(pools.poolable(nat)).isFalse();
    }

    @Test
    @DisplayName("draining the pools kills every ready VM and leaves no QEMU process and no run folder")
    void drainLeavesNothing() throws Exception {
        SandboxSpec like = job("true").build();
        awaitReady(like);
        List<String> ids = VmFixture.entries(runRoot);
        assertThat(ids).isNotEmpty().allMatch(id -> id.startsWith("hearth-pool-"));
        assertThat(VmFixture.runningVms()).containsAll(ids);
        pools.close();
        pools = null;
        assertThat(VmFixture.runningVms()).doesNotContainAnyElementsOf(ids);
        assertThat(VmFixture.entries(runRoot)).isEmpty();
    }

    @Test
    @DisplayName("a pool nobody asks for within its idle limit is drained: its VMs and run folders go")
    void idleLimitDrains() throws Exception {
        pools.close();
        // longer than a boot: a key asked for once expires while its first VM boots under a shorter limit
        pools = (MicroVmWarmPools) VmFixture.qemuDriver(runRoot).warmPools(new PoolSettings(1, Duration.ofSeconds(10)));
        SandboxSpec like = job("true").build();
        awaitReady(like);
        List<String> ids = VmFixture.entries(runRoot);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while ((pools.readyTotal() > 0 || !VmFixture.entries(runRoot).isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(pools.readyTotal()).isZero();
        assertThat(VmFixture.entries(runRoot)).as("run folders after the idle limit").isEmpty();
        assertThat(VmFixture.runningVms()).doesNotContainAnyElementsOf(ids);
    }

    @Test
    @DisplayName("a secret reaches the job's environment only: not the console, no argv, no guest or host file")
    void secretStaysInMemory() throws Exception {
        String secret = "tok-" + UUID.randomUUID();
        // the script never names the value: it prints every process's argv and every file init could have written
        SandboxSpec spec = job("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done; "
                + "find /run /tmp /job /dev -type f -exec cat {} + 2>/dev/null; echo \"len=${#TOKEN}\"")
                .secrets(Map.of("TOKEN", SecretValue.of(secret))).build();
        awaitReady(spec);
        try (Sandbox s = pools.create(spec)) {
            MicroVmSandbox vm = (MicroVmSandbox) s;
            Run r = run(s);
            assertThat(r.out()).contains("len=" + secret.length()).doesNotContain(secret);
            assertThat(r.out()).contains("hearth-init"); // the process list was read
            String sent = ConsoleJob.of(spec, MicroVmDriver.vmId(spec.name())).lines().stream()
                    .filter(l -> l.startsWith("e ")).findFirst().orElseThrow().substring(2);
            assertThat(vm.consoleTail()).doesNotContain(secret).doesNotContain(sent); // no echo of the request
            try (Stream<Path> files = Files.walk(vm.config().runDir())) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString())
                            .doesNotContain(secret);
                }
            }
        }
    }
}
