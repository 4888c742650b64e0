// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxContract;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WaitingPools;
import dev.hearth.sandbox.image.BaseImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The sandbox contract, run on sandboxes taken from a warm pool: every poolable spec waits until a warm container
 * is ready, so each test runs in a pooled container (specs that cannot be pooled, NAT or ports, run cold).
 */
@DisplayName("Docker warm pools pass the sandbox contract")
class WarmPoolContractTest extends SandboxContract {

    private static DockerWarmPools pools;
    private static WaitingPools waiting;

    @Override
    protected SandboxDriver driver() throws Exception {
        synchronized (WarmPoolContractTest.class) {
            if (pools == null) {
                DockerFixture.driver(); // builds the busybox image once
                pools = (DockerWarmPools) DockerDriver.connect().warmPools(new PoolSettings(1, Duration.ofMinutes(5)));
                waiting = new WaitingPools(pools, WarmPoolContractTest::imagePresent, s -> s instanceof WarmSandbox);
            }
        }
        return waiting;
    }

    private static boolean imagePresent(SandboxSpec spec) {
        try {
            return DockerFixture.driver().images().find(spec.image()).isPresent();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
        waiting.ids().forEach((job, id) -> {
            if (ids.stream().anyMatch(id::startsWith)) {
                present.add(job);
            }
        });
        return present;
    }
}
