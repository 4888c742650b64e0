// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import java.io.IOException;
import java.io.InputStream;

/**
 * A candidate server as the main class of a child JVM, so its CPU and memory can be read apart from the clients':
 * {@code ServerProcess CANDIDATE} starts it on 127.0.0.1 and a free port, prints {@code port=PORT} on stdout and
 * serves until its stdin closes (the parent exiting closes it too), then stops it and exits 0.
 */
public final class ServerProcess {

    /** The line prefix the parent reads the port from. */
    static final String PORT_PREFIX = "port=";

    private ServerProcess() {
    }

    /** Runs the server until stdin closes; exits 2 on bad arguments, 1 when it cannot start. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Candidate candidate = args.length == 1 ? Candidate.byCliName(args[0]) : null;
        if (candidate == null) {
            System.err.println("usage: ServerProcess helidon|vertx|javalin");
            System.exit(2);
        }
        WsServer server;
        try {
            server = candidate.start();
        } catch (RuntimeException e) {
            System.err.println(candidate.cliName() + " server did not start: " + e);
            e.printStackTrace();
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
