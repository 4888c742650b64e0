// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import io.javalin.Javalin;

/**
 * The Javalin 7 candidate (Jetty 12 underneath) with {@code useVirtualThreads} on, so Jetty's thread pool runs
 * handlers on virtual threads as Helidon does; otherwise defaults. Jetty delivers whole text messages to
 * {@code onMessage}, which parses the frame there and answers with Javalin's {@code send} (Jetty's
 * {@code Session.sendText} with a no-op callback: it queues the frame and does not wait for it to be written).
 */
final class JavalinWsServer implements WsServer {

    private final Javalin app;

    private JavalinWsServer(Javalin app) {
        this.app = app;
    }

    /** Starts it on 127.0.0.1 and a free port. */
    static JavalinWsServer start() {
        Javalin app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.routes.get("/healthz", ctx -> ctx.result("ok"));
            config.routes.ws(AGENT_PATH, ws -> ws.onMessage(ctx -> {
                String answer = HeartbeatAnswer.to(ctx.message());
                if (answer != null) {
                    ctx.send(answer);
                }
            }));
        }).start("127.0.0.1", 0);
        return new JavalinWsServer(app);
    }

    @Override
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
