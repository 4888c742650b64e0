// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

/**
 * One candidate server, started: a WebSocket endpoint at {@link #AGENT_PATH} that answers heartbeats through
 * {@link HeartbeatAnswer}, and {@code GET /healthz} answering 200 "ok", on 127.0.0.1.
 */
interface WsServer extends AutoCloseable {

    /** The agents' WebSocket path, as the coordinator serves it. */
    String AGENT_PATH = "/v1/agent";

    /** The port it listens on. */
    int port();

    /** Stops it. */
    @Override
    void close();
}
