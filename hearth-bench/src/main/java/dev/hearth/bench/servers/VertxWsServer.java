// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Vert.x 5 candidate: one {@link HttpServer} on a default {@link Vertx} (event loops: twice the cores). The
 * WebSocket's text messages (reassembled by Vert.x) are parsed and answered <em>on the event loop</em>: that is fine
 * here because the work is a short parse with no blocking call, but it is not how the coordinator could run there,
 * since its hub writes each heartbeat to SQLite (JDBC, blocking) and would have to move that off the event loop
 * ({@code executeBlocking} or a worker verticle).
 */
final class VertxWsServer implements WsServer {

    private final Vertx vertx;
    private final HttpServer server;

    private VertxWsServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /**
     * Starts it on 127.0.0.1 and a free port.
     *
     * @throws IllegalStateException when it does not listen within 30 s
     */
    static VertxWsServer start() throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals(AGENT_PATH)) {
                req.toWebSocket().onSuccess(ws -> ws.textMessageHandler(frame -> {
                    String answer = HeartbeatAnswer.to(frame);
                    if (answer != null) {
                        ws.writeTextMessage(answer);
                    }
                }));
            } else if (req.path().equals("/healthz")) {
                req.response().end("ok");
            } else {
                req.response().setStatusCode(404).end();
            }
        });
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("Vert.x did not listen on 127.0.0.1 within 30 s: " + e, e);
        }
        return new VertxWsServer(vertx, server);
    }

    @Override
    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
