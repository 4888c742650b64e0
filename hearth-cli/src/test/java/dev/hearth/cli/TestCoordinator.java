// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/**
 * A real coordinator on a free loopback port for CLI tests, and the CLI environment that reaches it as its admin.
 *
 * @param server the running coordinator
 * @param env this process's environment with HEARTH_COORDINATOR and the admin's HEARTH_TOKEN (mutable, per test)
 */
record TestCoordinator(CoordinatorServer server, Map<String, String> env) implements AutoCloseable {

    /** Starts one with its database and admin token under {@code data}. */
    static TestCoordinator start(Path data) throws Exception {
        CoordinatorServer server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(200)),
                InstantSource.system());
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_COORDINATOR", "http://127.0.0.1:" + server.port());
        env.put("HEARTH_TOKEN", Files.readString(data.resolve("admin.token")).strip());
        return new TestCoordinator(server, env);
    }

    @Override
    public void close() {
        server.close();
    }
}
