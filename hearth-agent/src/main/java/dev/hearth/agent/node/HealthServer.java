// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * The agent's local HTTP port on 127.0.0.1: {@code /healthz} (200 when registered with the coordinator and the
 * sandbox engine answers, else 503, with the details as JSON) and Prometheus {@code /metrics}. The port is written
 * to {@code STATE/health.port} so that {@code hearth agent --health} finds it.
 */
public final class HealthServer implements AutoCloseable {

    /** The file in the state folder holding the port. */
    public static final String PORT_FILE = "health.port";

    private final HttpServer server;
    private final Path portFile;
    private final HttpServer metricsServer;

    private HealthServer(HttpServer server, Path portFile, HttpServer metricsServer) {
        this.server = server;
        this.portFile = portFile;
        this.metricsServer = metricsServer;
    }

    /**
     * As {@link #start(NodeAgent, int, Path)}, and when {@code metricsAddress} is not null also serves /metrics (and
     * nothing else: /healthz stays on loopback) there, for a Prometheus on another host.
     *
     * @throws IOException when a port cannot be bound, naming it and the flag that chooses it
     */
    public static HealthServer start(NodeAgent agent, int port, Path stateDir, InetSocketAddress metricsAddress)
            throws IOException {
        HealthServer local = start(agent, port, stateDir);
        if (metricsAddress == null) {
            return local;
        }
        HttpServer metrics;
        try {
            metrics = HttpServer.create(metricsAddress, 16);
        } catch (IOException e) {
            local.close();
            throw new IOException("cannot serve the agent's metrics on " + metricsAddress + " (" + e.getMessage()
                    + "); choose another with --metrics-address HOST:PORT", e);
        }
        metrics.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        metrics.createContext("/metrics", ex -> metrics(agent, ex));
        metrics.start();
        return new HealthServer(local.server, local.portFile, metrics);
    }

    /** The port /metrics is served on at the metrics address, or -1 when there is none. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.getAddress().getPort();
    }

    private static void metrics(NodeAgent agent, HttpExchange ex) throws IOException {
        if (!"/metrics".equals(ex.getRequestURI().getPath())) {
            send(ex, 404, "text/plain", "not found\n");
            return;
        }
        send(ex, 200, "text/plain; version=0.0.4", agent.metrics().scrape());
    }

    /**
     * Serves the agent's health and metrics on 127.0.0.1:{@code port} (0: any free port).
     *
     * @throws IOException when the port cannot be bound, naming it
     */
    public static HealthServer start(NodeAgent agent, int port, Path stateDir) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        } catch (IOException e) {
            throw new IOException("cannot serve the agent's health on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "); choose another with --health-port, or 0 for any free port", e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/healthz", ex -> health(agent, ex));
        server.createContext("/metrics", ex -> metrics(agent, ex));
        server.start();
        Path portFile = stateDir.resolve(PORT_FILE);
        Files.writeString(portFile, server.getAddress().getPort() + "\n");
        return new HealthServer(server, portFile, null);
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(NodeAgent agent, HttpExchange ex) throws IOException {
        NodeAgent.Health h = agent.health();
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("status", h.ok() ? "ok" : "down");
        body.put("connected", h.connected());
        body.put("registered", h.registered());
        body.put("coordinator", h.coordinator());
        h.nodeId().ifPresent(id -> body.put("nodeId", id));
        body.put("engine", h.engine());
        body.put("runningJobs", h.runningJobs());
        body.put("outboxPending", h.outboxPending());
        body.put("draining", h.draining());
        h.lastRefusal().ifPresent(r -> body.put("lastRefusal", r));
        send(ex, h.ok() ? 200 : 503, "application/json", body.toString());
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        if (metricsServer != null) {
            metricsServer.stop(0);
        }
        try {
            Files.deleteIfExists(portFile);
        } catch (IOException ignored) {
            // a stale port file only makes `--health` report the agent down
        }
    }
}
