// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ServerTls;
import dev.hearth.coordinator.hub.TransportLimits;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.store.Database;
import dev.hearth.coordinator.store.PostgresLocation;
import dev.hearth.core.protocol.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/**
 * The coordinator of {@code agents-sim}, as the main class of a child JVM so that its CPU and memory can be read
 * apart from the simulated agents': {@code CoordinatorProcess DATA_DIR HEARTBEAT_MILLIS} starts a real
 * {@link CoordinatorServer} on 127.0.0.1 and a free port with its store in DATA_DIR (or, given a third argument
 * {@code postgresql://...}, in that database, the password from {@code HEARTH_DB_PASSWORD}), agents asked to heartbeat every
 * HEARTBEAT_MILLIS and lost after three intervals, prints {@code port=PORT} on stdout, and serves until its stdin closes
 * (the parent exiting closes it too), then stops the server and exits 0.
 */
public final class CoordinatorProcess {

    /** The line prefix the parent reads the port from. */
    static final String PORT_PREFIX = "port=";

    /** Connections each coordinator keeps to a PostgreSQL store (the coordinator's default). */
    static final int POOL = 10;

    /** Connections the simulated agents may open, all from one address: more than the bench ever starts. */
    static final int MAX_CONNECTIONS = 65_536;

    private CoordinatorProcess() {
    }

    /** Runs the coordinator until stdin closes; exits 2 on bad arguments, 1 when it cannot start. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: CoordinatorProcess DATA_DIR HEARTBEAT_MILLIS [postgresql://...]");
            System.exit(2);
        }
        long heartbeat = Long.parseLong(args[1]);
        CoordinatorConfig config = new CoordinatorConfig("127.0.0.1", 0, Path.of(args[0]),
                Duration.ofMillis(heartbeat), Duration.ofMillis(3 * heartbeat), Protocol.DEFAULT_MAX_FRAME_BYTES,
                Duration.ofSeconds(1));
        // Every simulated agent connects from 127.0.0.1: lift the per-address and total caps (defaults 32 and 4096),
        // keeping the transport's other defences as they are.
        TransportLimits t = TransportLimits.DEFAULTS;
        config = config.withTransport(new TransportLimits(t.unregisteredFrameBytes(), t.registrationDeadline(),
                MAX_CONNECTIONS, MAX_CONNECTIONS, t.sendQueueBytes(), t.sendQueueMessages(), t.writeDeadline()));
        CoordinatorServer server;
        try {
            if (args.length == 3) {
                String password = System.getenv().getOrDefault("HEARTH_DB_PASSWORD", "");
                server = CoordinatorServer.start(config, InstantSource.system(), OracleSettings.DEFAULTS,
                        new ServerTls.Mode.Off(), new Database.Postgres(PostgresLocation.parse(args[2]), password,
                                POOL));
            } else {
                server = CoordinatorServer.start(config, InstantSource.system());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("coordinator did not start: " + e);
            System.exit(1);
            return;
        }
        System.out.println(PORT_PREFIX + server.port());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // nothing is sent on stdin; it is only a lifeline to the parent
        }
        server.close();
        System.exit(0);
    }
}
