// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

/**
 * The Helidon SE 4 candidate, built as the coordinator builds its server: one {@link WebServer} with HTTP routing
 * and a {@link WsRouting} endpoint, defaults otherwise. Helidon runs each connection on its own virtual thread and
 * calls the listener there, so the answer is sent by plain blocking code.
 */
final class HelidonWsServer implements WsServer {

    private final WebServer server;

    private HelidonWsServer(WebServer server) {
        this.server = server;
    }

    /** Starts it on 127.0.0.1 and a free port. */
    static HelidonWsServer start() {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(r -> r.get("/healthz", (req, res) -> res.send("ok")))
                .addRouting(WsRouting.builder().endpoint(AGENT_PATH, Listener::new))
                .build()
                .start();
        return new HelidonWsServer(server);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }

    /** One connection's listener: puts fragmented text back together, then answers. Used by its one thread. */
    private static final class Listener implements WsListener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            String frame;
            if (partial.isEmpty() && last) {
                frame = text;
            } else {
                partial.append(text);
                if (!last) {
                    return;
                }
                frame = partial.toString();
                partial.setLength(0);
            }
            String answer = HeartbeatAnswer.to(frame);
            if (answer != null) {
                session.send(answer, true);
            }
        }
    }
}
