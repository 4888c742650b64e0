// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.core.json.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The settlement webhook delivers each released payment, signed, retrying until a real HTTP server takes it")
class PaymentWebhookTest {

    @TempDir
    Path dir;
    private HttpServer receiver;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int refuseFirst;
    private final Map<String, String> taken = new ConcurrentHashMap<>();
    private Store store;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/pay", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = calls.incrementAndGet() <= refuseFirst ? 500 : 204;
            if (status == 204) {
                taken.put(new String(body, StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst(PaymentWebhook.SIGNATURE_HEADER));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        store.upsertNode(new NodeRecord("n1", "k", "h", "linux", "amd64", 1, 1L << 30, List.of(), List.<GpuInfo>of(),
                "0.1.0", "1.0", NodeState.ONLINE, Instant.EPOCH, Instant.EPOCH));
        store.ledger().post("d", TransferKind.DEPOSIT, "external", "client:a", 10_000_000, null);
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
        store.close();
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pay");
    }

    private long release(String job) {
        store.submitJob(job, "{}", 0, 0, new HoldRequest("client:a", 2_500_000));
        return new Settlement(store, true, () -> { }, false).onVerdict(job, "n1", true) instanceof
                dev.hearth.coordinator.store.HoldSettlement.Released r ? r.transfer().orElseThrow().seq() : -1;
    }

    @Test
    @DisplayName("refused twice with 500, then taken: one delivery, a body and signature the coordinator's key verifies")
    void retriesUntilTaken() throws Exception {
        refuseFirst = 2;
        CoordinatorKey key = CoordinatorKey.loadOrCreate(dir);
        long seq = release("j1");

        try (PaymentWebhook hook = new PaymentWebhook(store, url(), key, InstantSource.system(), Duration.ofMillis(20))
                .start()) {
            hook.wake();
            awaitTaken(1);
            // the receiver has the body before the hook has its answer and marks the row delivered
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!store.ledger().duePayments(Instant.now().plusSeconds(3600), 10).isEmpty()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        assertThat(calls.get()).isEqualTo(3);
        String body = taken.keySet().iterator().next();
        JsonNode p = Json.mapper().readTree(body);
        assertThat(p.get("event").asText()).isEqualTo("payment.released");
        assertThat(p.get("transferSeq").asLong()).isEqualTo(seq);
        assertThat(p.get("jobId").asText()).isEqualTo("j1");
        assertThat(p.get("nodeId").asText()).isEqualTo("n1");
        assertThat(p.get("account").asText()).isEqualTo("node:n1");
        assertThat(p.get("amount").asText()).isEqualTo("2.5");
        assertThat(p.get("amountMicros").asLong()).isEqualTo(2_500_000);
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(key.publicKeyBase64()))));
        v.update(body.getBytes(StandardCharsets.UTF_8));
        assertThat(v.verify(Base64.getDecoder().decode(taken.get(body).substring("ed25519=".length())))).isTrue();
        assertThat(store.ledger().duePayments(Instant.now().plusSeconds(3600), 10)).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(CoordinatorKey.FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    @DisplayName("a payment still refused when the coordinator stops is delivered by the next one, from the outbox")
    void survivesRestart() throws Exception {
        refuseFirst = Integer.MAX_VALUE;
        CoordinatorKey key = CoordinatorKey.loadOrCreate(dir);
        release("j1");
        try (PaymentWebhook hook = new PaymentWebhook(store, url(), key, InstantSource.system(), Duration.ofMillis(20))
                .start()) {
            hook.wake();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (calls.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        assertThat(calls.get()).isGreaterThanOrEqualTo(2);
        assertThat(taken).isEmpty();
        store.close();
        store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        assertThat(store.ledger().duePayments(Instant.now().plusSeconds(3600), 10)).singleElement()
                .satisfies(p -> assertThat(p.lastError()).isEqualTo("HTTP 500"));
        refuseFirst = 0;

        try (PaymentWebhook hook = new PaymentWebhook(store, url(), CoordinatorKey.loadOrCreate(dir),
                InstantSource.system(), Duration.ofMillis(20)).start()) {
            awaitTaken(1);
        }
        assertThat(Json.mapper().readTree(taken.keySet().iterator().next()).get("jobId").asText()).isEqualTo("j1");
    }

    @Test
    @DisplayName("the retry delay doubles from the base and stops at five minutes")
    void backoff() {
        PaymentWebhook hook = new PaymentWebhook(store, url(), null, InstantSource.system(), Duration.ofSeconds(1));
        assertThat(hook.delay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(hook.delay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(hook.delay(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(hook.delay(30)).isEqualTo(Duration.ofMinutes(5));
    }

    private void awaitTaken(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (taken.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("webhook took " + taken.size() + " of " + n + " payments within 10 s ("
                        + calls.get() + " calls)");
            }
            Thread.sleep(20);
        }
    }
}
