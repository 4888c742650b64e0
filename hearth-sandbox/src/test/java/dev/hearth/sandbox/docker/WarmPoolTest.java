// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Docker warm pools, against the real engine")
class WarmPoolTest {

    private DockerWarmPools pools;

    @BeforeEach
    void open() throws Exception {
        DockerFixture.driver();
        pools = (DockerWarmPools) DockerDriver.connect().warmPools(new PoolSettings(2, Duration.ofMinutes(5)));
    }

    @AfterEach
    void close() {
        if (pools != null) {
            pools.close();
        }
    }

    private static SandboxSpec job(String script) {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script))
                .name("hearth-test-" + java.util.UUID.randomUUID()).build();
    }

    private void awaitReady(SandboxSpec like, int n) throws InterruptedException {
        pools.prewarm(like);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pools.ready(like) < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(pools.ready(like)).as("warm containers ready").isGreaterThanOrEqualTo(n);
    }

    private static String run(Sandbox s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.start((stream, b, off, len) -> out.write(b, off, len));
        Optional<ExitStatus> exit = s.await(Duration.ofSeconds(30));
        assertThat(exit).isPresent();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("each job gets a container no job used before; the pool refills; a used one is removed")
    void neverReusesAndRefills() throws Exception {
        SandboxSpec first = job("echo one");
        awaitReady(first, 2);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            SandboxSpec spec = job("echo run-" + i);
            awaitReady(spec, 1);
            try (Sandbox s = pools.create(spec)) {
                assertThat(s).isInstanceOf(WarmSandbox.class);
                assertThat(s.pooled()).isTrue();
                assertThat(seen).doesNotContain(s.id());
                seen.add(s.id());
                assertThat(run(s)).isEqualTo("run-" + i + "\n");
            }
        }
        assertThat(pools.counts().warm()).as("takes that found a warm container").isEqualTo(4);
        assertThat(pools.awaitRemovals(Duration.ofSeconds(30))).isTrue();
        assertThat(DockerFixture.hearthContainerIds()).doesNotContainAnyElementsOf(seen);
        awaitReady(first, 2); // refilled in the background
    }

    @Test
    @DisplayName("draining the pools leaves no container and no volume behind")
    void drainLeavesNothing() throws Exception {
        SandboxSpec like = job("true");
        awaitReady(like, 2);
        List<String> volumes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (String id : DockerFixture.hearthContainerIds()) {
            InspectContainerResponse r = DockerFixture.driver().client().inspectContainerCmd(id).exec();
            if (r.getName().startsWith("/hearth-pool-") && ownedByUs(r)) {
                ids.add(id);
                r.getMounts().forEach(m -> volumes.add(m.getName() != null ? m.getName() : m.getSource()));
            }
        }
        assertThat(ids).hasSizeGreaterThanOrEqualTo(2);
        pools.close();
        pools = null;
        assertThat(DockerFixture.hearthContainerIds()).doesNotContainAnyElementsOf(ids);
        assertThat(volumes).isNotEmpty();
        Process p = new ProcessBuilder("docker", "volume", "ls", "-q").start();
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        for (String v : volumes) { // an engine volume, or the host folder (and its loop-mounted image) of a quota
            assertThat(all.lines().toList()).doesNotContain(v);
            assertThat(java.nio.file.Path.of(v)).as("workspace left behind").doesNotExist();
        }
        Process mounts = new ProcessBuilder("cat", "/proc/mounts").start();
        String mounted = new String(mounts.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        mounts.waitFor();
        assertThat(mounted).satisfies(m -> volumes.forEach(v ->
                assertThat(m).doesNotContain(v)));
    }

    private static boolean ownedByUs(InspectContainerResponse r) {
        return Long.toString(ProcessHandle.current().pid()).equals(r.getConfig().getLabels().get(OrphanReaper.LABEL_PID));
    }

    @Test
    @DisplayName("the pooled containers of an owner killed with SIGKILL are reaped when the next driver connects")
    void orphansOfADeadOwnerReaped() throws Exception {
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), PoolOwnerChild.class.getName())
                .redirectErrorStream(true).start();
        List<String> theirs = new ArrayList<>();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                // its log lines
            }
            assertThat(line).as("the child's pool got ready").isEqualTo("ready");
            for (String id : DockerFixture.hearthContainerIds()) {
                InspectContainerResponse r = DockerFixture.driver().client().inspectContainerCmd(id).exec();
                if (Long.toString(child.pid()).equals(r.getConfig().getLabels().get(OrphanReaper.LABEL_PID))) {
                    theirs.add(id);
                }
            }
            assertThat(theirs).isNotEmpty();
        } finally {
            child.destroyForcibly().waitFor();
        }
        DockerDriver.connect().close(); // connecting reaps
        assertThat(DockerFixture.hearthContainerIds()).doesNotContainAnyElementsOf(theirs);
    }

    @Test
    @DisplayName("a pooled container has the very security settings and limits of a cold one")
    void sameSettingsAsCold() throws Exception {
        SandboxSpec spec = job("sleep 30");
        awaitReady(spec, 1);
        DockerDriver plain = DockerFixture.driver();
        try (Sandbox warm = pools.create(spec); Sandbox cold = plain.create(job("sleep 30"))) {
            assertThat(warm).isInstanceOf(WarmSandbox.class);
            InspectContainerResponse w = DockerFixture.driver().client().inspectContainerCmd(warm.id()).exec();
            InspectContainerResponse c = DockerFixture.driver().client().inspectContainerCmd(cold.id()).exec();
            HostConfig wh = w.getHostConfig();
            HostConfig ch = c.getHostConfig();
            assertThat(w.getConfig().getUser()).isEqualTo(c.getConfig().getUser()).isEqualTo("65534:65534");
            assertThat(wh.getReadonlyRootfs()).isEqualTo(ch.getReadonlyRootfs()).isTrue();
            assertThat(wh.getCapDrop()).containsExactlyInAnyOrder(ch.getCapDrop());
            assertThat(wh.getCapAdd()).isEqualTo(ch.getCapAdd());
            assertThat(wh.getSecurityOpts()).isEqualTo(ch.getSecurityOpts()).contains("no-new-privileges");
            assertThat(wh.getNetworkMode()).isEqualTo(ch.getNetworkMode()).isEqualTo("none");
            assertThat(wh.getPidsLimit()).isEqualTo(ch.getPidsLimit());
            assertThat(wh.getMemory()).isEqualTo(ch.getMemory());
            assertThat(wh.getMemorySwap()).isEqualTo(ch.getMemorySwap());
            assertThat(wh.getNanoCPUs()).isEqualTo(ch.getNanoCPUs());
            assertThat(wh.getTmpFs()).isEqualTo(ch.getTmpFs());
            assertThat(wh.getInit()).isEqualTo(ch.getInit());
            assertThat(wh.getPrivileged()).isEqualTo(ch.getPrivileged()).isFalse();
            // each has a /job of its own (a fresh workspace, with the quota when one is set), never a shared one
            assertThat(wh.getBinds()).hasSameSizeAs(ch.getBinds());
            if (wh.getBinds().length > 0) {
                assertThat(wh.getBinds()[0].getVolume()).isEqualTo(ch.getBinds()[0].getVolume());
                assertThat(wh.getBinds()[0].getPath()).isNotEqualTo(ch.getBinds()[0].getPath());
            }
            assertThat(wh.getDevices()).isEqualTo(ch.getDevices());
        }
    }

    @Test
    @DisplayName("a hostile job leaves nothing for the next: files, /tmp, processes and the holder are its own")
    void hostileJobLeavesNoState() throws Exception {
        SandboxSpec hostile = job("echo planted > /job/planted; echo planted > /tmp/planted; "
                + "(sleep 300 &) ; kill -9 -1; echo done");
        awaitReady(hostile, 2);
        String hostileId;
        try (Sandbox s = pools.create(hostile)) {
            hostileId = s.id();
            s.start(LogSink.discard());
            s.await(Duration.ofSeconds(30));
        }
        SandboxSpec next = job("ls -A /job /tmp; ps -o args | grep -c '^sleep'");
        awaitReady(next, 1);
        try (Sandbox s = pools.create(next)) {
            assertThat(s.id()).isNotEqualTo(hostileId);
            String out = run(s);
            assertThat(out).doesNotContain("planted");
            assertThat(out.strip()).endsWith("1"); // only its own holder sleeps: no process of the hostile job
        }
    }
}
