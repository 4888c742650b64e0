// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hearth.coordinator.store.Store;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS rebinding against the webhook sender: a resolver in the test answers a name with an allowed address first and
 * an internal one after, and a real server listens on that internal address (the same port), so a sender that
 * resolved the name again to connect would reach it.
 */
@DisplayName("Webhooks connect to the address they checked: a name that rebinds to an internal address reaches nothing inside")
class WebhookRebindingTest {

    @TempDir
    Path data;

    private HttpServer allowed;
    private HttpServer inside;
    private final List<String> allowedGot = new CopyOnWriteArrayList<>();
    private final List<String> insideGot = new CopyOnWriteArrayList<>();
    private Store store;
    private WebhookSender sender;

    @BeforeEach
    void start() throws Exception {
        // 127.0.0.2 stands for a public receiver (the only range allowed); 127.0.0.1 for the inside, never allowed
        allowed = server(new InetSocketAddress("127.0.0.2", 0), allowedGot);
        inside = server(new InetSocketAddress("127.0.0.1", allowed.getAddress().getPort()), insideGot);
        store = Store.sqlite(data.resolve("hearth.db"), InstantSource.system());
    }

    private static HttpServer server(InetSocketAddress at, List<String> got) throws Exception {
        HttpServer s = HttpServer.create(at, 0);
        s.createContext("/hook", ex -> {
            got.add(ex.getRequestHeaders().getFirst("Host") + " " + ex.getRequestHeaders().getFirst("webhook-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        s.start();
        return s;
    }

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.close();
        }
        allowed.stop(0);
        inside.stop(0);
        store.close();
    }

    /** Sends one message to {@code http://rebind.test:PORT/hook} with {@code lookup} resolving the name. */
    private void deliver(WebhookTargets.AddressLookup lookup) throws Exception {
        WebhookTargets targets = new WebhookTargets(List.of("127.0.0.2/32"), lookup);
        String url = "http://rebind.test:" + allowed.getAddress().getPort() + "/hook";
        store.webhooks().register("client:alice", url, WebhookSignature.newSecret());
        store.webhooks().enqueue("msg_1", "client:alice", "job.queued", "{\"type\":\"job.queued\"}");
        sender = new WebhookSender(store.webhooks(), targets, InstantSource.system(), Duration.ofMillis(100)).start();
        sender.wake();
    }

    private static InetAddress at(String ip) throws UnknownHostException {
        return InetAddress.getByAddress("rebind.test", InetAddress.getByName(ip).getAddress());
    }

    @Test
    @DisplayName("public (allowed) at the check, internal right after: the POST goes to the checked address, with the "
            + "URL's Host")
    void rebindAfterTheCheck() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        deliver(host -> new InetAddress[] {lookups.getAndIncrement() == 0 ? at("127.0.0.2") : at("127.0.0.1")});
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (allowedGot.isEmpty() && insideGot.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300); // a second connection, had there been one, would have landed by now
        assertThat(insideGot).as("the internal server was never reached").isEmpty();
        assertThat(allowedGot).containsExactly("rebind.test:" + allowed.getAddress().getPort() + " msg_1");
    }

    @Test
    @DisplayName("a name with an internal address among public ones is refused whole: nothing is reached")
    void mixedAnswerRefused() throws Exception {
        deliver(host -> new InetAddress[] {at("127.0.0.2"), at("127.0.0.1")});
        Thread.sleep(1500); // several passes of the sender
        assertThat(insideGot).isEmpty();
        assertThat(allowedGot).isEmpty();
    }
}
