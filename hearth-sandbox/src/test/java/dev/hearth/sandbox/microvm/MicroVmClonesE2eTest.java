// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.SecretValue;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("e2e")
@DisplayName("QEMU microVMs started from a saved template (TCG here): one boot per shape, each job a restored copy")
class MicroVmClonesE2eTest {

    private static final Duration TEMPLATE_LIMIT = Duration.ofMinutes(3);

    private Path runRoot;
    private MicroVmClones clones;

    @BeforeEach
    void open() throws Exception {
        runRoot = Files.createTempDirectory("hvm-tpl-");
        clones = VmFixture.qemuDriver(runRoot).snapshotStarts(Duration.ofMinutes(10));
    }

    @AfterEach
    void close() throws Exception {
        if (clones != null) {
            clones.close();
        }
        assertThat(VmFixture.entries(runRoot)).as("run folders and templates left behind").isEmpty();
        Files.deleteIfExists(runRoot);
    }

    private static SandboxSpec.Builder job(String script) {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script))
                .name("cj-" + HexFormat.of().formatHex(b));
    }

    private record Run(String out, String err, ExitStatus exit, long firstOutputMillis) {
    }

    private static Run run(Sandbox s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long[] first = {-1};
        long t0 = System.nanoTime();
        s.start((stream, b, off, len) -> {
            synchronized (first) {
                if (first[0] < 0) {
                    first[0] = (System.nanoTime() - t0) / 1_000_000;
                }
            }
            (stream == LogSink.Stream.STDERR ? err : out).write(b, off, len);
        });
        Optional<ExitStatus> exit = s.await(Duration.ofSeconds(60));
        assertThat(exit).as("the job ended").isPresent();
        return new Run(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), exit.get(),
                first[0]);
    }

    @Test
    @DisplayName("a job on a restored VM gets its argv, environment, secrets, files, host name, user and exit code")
    void cloneRunsTheJob() throws Exception {
        String script = "echo \"$PLAIN|$TOKEN|$1\"; cat /job/data/in.txt; hostname; id -u; pwd; echo oops >&2; exit 7";
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script, "sh", "arg one"))
                .name("cj-files").env(Map.of("PLAIN", "plain $HOME"))
                .secrets(Map.of("TOKEN", SecretValue.of("s3cr3t value")))
                .files(List.of(new JobFile("/job/data/in.txt", "line one\n".getBytes(StandardCharsets.UTF_8), 0644)))
                .build();
        assertThat(clones.awaitTemplate(spec, TEMPLATE_LIMIT)).as("the template was saved").isTrue();
        assertThat(VmFixture.entries(runRoot)).as("the template, and no VM running").singleElement()
                .asString().startsWith("tpl-");
        try (Sandbox s = clones.create(spec)) {
            Path runDir = ((MicroVmSandbox) s).config().runDir();
            assertThat(runDir.resolve("state.qcow2")).as("the clone's own copy of the state").isRegularFile();
            Run r = run(s);
            assertThat(r.out()).isEqualTo("plain $HOME|s3cr3t value|arg one\nline one\ncj-files\n65534\n/job\n");
            assertThat(r.err()).isEqualTo("oops\n");
            assertThat(r.exit().exitCode()).isEqualTo(7);
            System.err.printf("a job on a VM restored from its template printed its first output after %d ms%n",
                    r.firstOutputMillis());
        }
    }

    @Test
    @DisplayName("two clones of one template draw different random bytes and read the host's time, not the "
            + "template's")
    void clonesGetIdentitiesOfTheirOwn() throws Exception {
        String script = "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo; cat /proc/sys/kernel/random/uuid;"
                + " date +%s";
        SandboxSpec like = job(script).build();
        assertThat(clones.awaitTemplate(like, TEMPLATE_LIMIT)).isTrue();
        Thread.sleep(15_000); // the template's clock stopped at its save: a clone left on it would lag by this
        String[] a = runClone(script);
        String[] b = runClone(script);
        assertThat(a[0]).hasSize(32).isNotEqualTo(b[0]);
        assertThat(a[1]).isNotEqualTo(b[1]);
        long now = System.currentTimeMillis() / 1000;
        for (String[] out : List.of(a, b)) {
            assertThat(Long.parseLong(out[2])).as("the guest's clock").isBetween(now - 8, now + 2);
        }
    }

    private String[] runClone(String script) throws Exception {
        try (Sandbox s = clones.create(job(script).build())) {
            assertThat(((MicroVmSandbox) s).config().runDir().resolve("state.qcow2")).isRegularFile();
            Run r = run(s);
            assertThat(r.exit().exitCode()).as(r.err()).isZero();
            return r.out().strip().split("\n");
        }
    }

    @Test
    @DisplayName("before its template is saved, and for a job that cannot be restored (network, large files), a "
            + "job runs on a cold VM")
    void coldOtherwise() throws Exception {
        SandboxSpec first = job("echo first").build();
        try (Sandbox s = clones.create(first)) { // asks for the template, which takes seconds: this one is cold
            assertThat(((MicroVmSandbox) s).config().runDir().resolve("state.qcow2")).doesNotExist();
            assertThat(run(s).out()).isEqualTo("first\n");
        }
        SandboxSpec nat = job("true").network(NetworkMode.NAT).build();
        assertThat(clones.unclonable(nat)).get().asString().contains("network");
        SandboxSpec big = job("wc -c < /job/big").files(List.of(new JobFile("/job/big",
                new byte[(int) MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES + 1], 0644))).build();
        assertThat(clones.unclonable(big)).get().asString().contains("over the console");
        assertThat(clones.awaitTemplate(first, TEMPLATE_LIMIT)).isTrue();
        try (Sandbox s = clones.create(big)) {
            assertThat(((MicroVmSandbox) s).config().runDir().resolve("state.qcow2")).doesNotExist();
            assertThat(run(s).out().strip()).isEqualTo(Long.toString(MicroVmWarmPools.MAX_CONSOLE_FILE_BYTES + 1));
        }
    }

    @Test
    @DisplayName("a template nobody asked for within the idle limit is removed, a clone made from it still runs, and "
            + "the next ask starts cold and makes it again")
    void idleTemplateRemoved() throws Exception {
        clones.close();
        clones = VmFixture.qemuDriver(runRoot).snapshotStarts(Duration.ofSeconds(3));
        SandboxSpec like = job("echo restored").build();
        assertThat(clones.awaitTemplate(like, TEMPLATE_LIMIT)).isTrue();
        try (Sandbox made = clones.create(like)) { // restored, not started yet
            assertThat(((MicroVmSandbox) made).config().runDir().resolve("state.qcow2")).isRegularFile();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (VmFixture.entries(runRoot).stream().anyMatch(e -> e.startsWith("tpl-"))) {
                assertThat(System.nanoTime()).as("the idle template removed within 60 s").isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(clones.templatesReady()).isZero();
            assertThat(run(made).out()).as("a clone outlives its template").isEqualTo("restored\n");
        }
        try (Sandbox again = clones.create(like)) {
            assertThat(((MicroVmSandbox) again).config().runDir().resolve("state.qcow2")).as("cold").doesNotExist();
            assertThat(run(again).out()).isEqualTo("restored\n");
        }
        assertThat(clones.awaitTemplate(like, TEMPLATE_LIMIT)).as("made again").isTrue();
    }

    @Test
    @DisplayName("closing removes the templates and every clone: no QEMU process, no run folder")
    void closeLeavesNothing() throws Exception {
        SandboxSpec like = job("sleep 60").build();
        assertThat(clones.awaitTemplate(like, TEMPLATE_LIMIT)).isTrue();
        Sandbox running = clones.create(like);
        running.start(LogSink.discard());
        String id = running.id();
        assertThat(VmFixture.runningVms()).contains(id);
        clones.close();
        clones = null;
        assertThat(VmFixture.runningVms()).doesNotContain(id);
        assertThat(VmFixture.entries(runRoot)).isEmpty();
    }
}
