// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A resident as {@code hearth resident} runs one, in the test's process: a host, warm pools of one runtime (size 1)
 * with a pool for hearth run's defaults, and the server on {@code home/resident/hearth.sock}. Closing it closes all.
 */
record ResidentUnderTest(Path home, HostRuntimes host, WarmPoolDriver pools, ResidentServer server)
        implements AutoCloseable {

    /** A spec with hearth run's defaults: the pool key of a plain {@code hearth run}. */
    static final SandboxSpec DEFAULTS = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).build();

    /** Keeps {@code runtime}'s pools on {@code host} (closed with the resident) and serves runs under {@code home}. */
    static ResidentUnderTest start(Path home, HostRuntimes host, String runtime) throws Exception {
        WarmPoolDriver pools = host.warmPools(runtime, new PoolSettings(1, Duration.ofMinutes(5)));
        pools.prewarm(DEFAULTS);
        ResidentServer server = ResidentServer.listen(home.resolve("resident/hearth.sock"),
                env -> HearthCommand.residentCommandLine(env, host, pools));
        return new ResidentUnderTest(home, host, pools, server);
    }

    /** The caller's environment with HEARTH_HOME here and HEARTH_RESIDENT {@code mode}. */
    Map<String, String> env(String mode) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_HOME", home.toString());
        env.put("HEARTH_RESIDENT", mode);
        return env;
    }

    /** Waits up to {@code limit} for a warm sandbox for hearth run's defaults; how many are ready then. */
    int awaitReady(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (pools.ready(DEFAULTS) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return pools.ready(DEFAULTS);
    }

    @Override
    public void close() throws Exception {
        server.close();
        pools.close();
        host.close();
    }
}
