// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxContract;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The sandbox contract, run on sandboxes taken from a warm pool: every poolable spec waits until a warm container
 * is ready, so each test runs in a pooled container (specs that cannot be pooled, NAT or ports, run cold).
 */
@DisplayName("Docker warm pools pass the sandbox contract")
class WarmPoolContractTest extends SandboxContract {

    private static DockerWarmPools pools;
    /** Job name to the container it ran in: a pooled container carries the pool's name, not the job's. */
    private static final Map<String, String> containers = new ConcurrentHashMap<>();

    @Override
    protected SandboxDriver driver() throws Exception {
        synchronized (WarmPoolContractTest.class) {
            if (pools == null) {
                DockerFixture.driver(); // builds the busybox image once
                pools = (DockerWarmPools) DockerDriver.connect().warmPools(new PoolSettings(1, Duration.ofMinutes(5)));
            }
        }
        return new Waiting(pools);
    }

    @AfterAll
    static void drain() {
        if (pools != null) {
            pools.close();
            pools = null;
        }
    }

    @Override
    protected SandboxSpec.Builder shell(String script) {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script))
                .name("hearth-test-" + java.util.UUID.randomUUID());
    }

    @Override
    protected List<String> leftovers() throws Exception {
        pools.awaitRemovals(Duration.ofSeconds(30));
        List<String> present = new ArrayList<>(DockerFixture.hearthContainers());
        List<String> ids = DockerFixture.hearthContainerIds();
        containers.forEach((job, id) -> {
            if (ids.stream().anyMatch(id::startsWith)) {
                present.add(job);
            }
        });
        return present;
    }

    /** Makes each poolable create wait for a warm container, and records which container each job got. */
    private record Waiting(DockerWarmPools pools) implements SandboxDriver {
        @Override
        public String name() {
            return pools.name();
        }

        @Override
        public Set<DriverCapability> capabilities() {
            return pools.capabilities();
        }

        @Override
        public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
            try {
                return take(spec);
            } catch (SandboxException | InterruptedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private Sandbox take(SandboxSpec spec) throws Exception {
            boolean pooled = pools.poolable(spec) && DockerFixture.driver().images().find(spec.image()).isPresent();
            if (pooled) {
                pools.prewarm(spec);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (pools.ready(spec) == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            Sandbox s = pools.create(spec);
            if (pooled && !(s instanceof WarmSandbox)) {
                s.close();
                throw new AssertionError(spec.name() + " was made cold though a warm container was ready");
            }
            containers.put(spec.name(), s.id());
            return s;
        }

        @Override
        public void ping() throws SandboxException {
            pools.ping();
        }

        @Override
        public void close() {
            // the pools live for the whole class
        }
    }
}
