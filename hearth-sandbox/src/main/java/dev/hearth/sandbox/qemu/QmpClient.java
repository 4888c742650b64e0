// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.SandboxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A client of QEMU's machine protocol (QMP) on a unix socket: reads the greeting, negotiates capabilities, then
 * runs commands. Every command carries an {@code id}, and one reader thread routes each message by its shape:
 * replies ({@code return}/{@code error}) to the command with that id, asynchronous events ({@code event}) to a
 * queue of their own, so an event arriving between a command and its reply is never taken for the reply.
 *
 * <p>Thread-safe: commands may be sent from several threads. Closing it fails commands still waiting.
 */
public final class QmpClient implements AutoCloseable {

    private static final ObjectMapper JSON = Json.mapper();

    private final SocketChannel channel;
    private final OutputStream out;
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    private QmpClient(SocketChannel channel) {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
        Thread reader = new Thread(this::readLoop, "qmp-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects to the QMP socket at {@code socket}, retrying until it is there, {@code within} passes or
     * {@code alive} turns false (the VMM died); then reads the greeting and enters command mode.
     */
    public static QmpClient connect(Path socket, Duration within, BooleanSupplier alive)
            throws SandboxException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline && alive.getAsBoolean()) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                QmpClient client = new QmpClient(ch);
                client.handshake(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000_000L)));
                return client;
            } catch (IOException e) {
                last = e;
                closeQuietly(ch);
            }
            Thread.sleep(20);
        }
        throw new SandboxException("cannot reach QEMU's QMP socket " + socket
                + (alive.getAsBoolean() ? " within " + within : " (QEMU exited)")
                + (last == null ? "" : ": " + last.getMessage()), last);
    }

    private void handshake(Duration within) throws SandboxException, InterruptedException {
        JsonNode hello = await(greeting, within, "the QMP greeting");
        if (!hello.path("QMP").isObject()) {
            throw new SandboxException("QMP greeting is not one: " + hello);
        }
        execute("qmp_capabilities", Map.of(), within);
    }

    /** The greeting QEMU sent ({@code {"QMP": {"version": ..., "capabilities": [...]}}}). */
    public JsonNode greeting() {
        return greeting.getNow(null);
    }

    /**
     * Runs {@code command} with {@code arguments} and waits up to {@code within} for its reply.
     *
     * @return the {@code return} value
     * @throws SandboxException with QEMU's {@code error.desc} when it refused, or when the connection ended
     */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration within)
            throws SandboxException, InterruptedException {
        String id = "hearth-" + ids.incrementAndGet();
        ObjectNode request = JSON.createObjectNode().put("execute", command).put("id", id);
        if (!arguments.isEmpty()) {
            request.set("arguments", JSON.valueToTree(arguments));
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            synchronized (out) {
                out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            JsonNode r = await(reply, within, "the reply to QMP " + command);
            if (r.has("error")) {
                throw new SandboxException("QMP " + command + " failed: " + r.path("error").path("class").asText()
                        + ": " + r.path("error").path("desc").asText());
            }
            return r.path("return");
        } catch (IOException e) {
            if (e instanceof SandboxException s) {
                throw s;
            }
            throw new SandboxException("cannot send QMP " + command + ": " + e.getMessage(), e);
        } finally {
            pending.remove(id);
        }
    }

    /** The next event named {@code name} (others before it are dropped), or empty after {@code within}. */
    public Optional<JsonNode> awaitEvent(String name, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            JsonNode e = events.poll(left, TimeUnit.NANOSECONDS);
            if (e != null && name.equals(e.path("event").asText())) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private void readLoop() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode msg = JSON.readTree(line);
                if (msg.has("QMP")) {
                    greeting.complete(msg);
                } else if (msg.has("event")) {
                    events.add(msg);
                } else {
                    CompletableFuture<JsonNode> waiting = pending.get(msg.path("id").asText());
                    if (waiting != null) {
                        waiting.complete(msg);
                    }
                }
            }
        } catch (IOException e) {
            // the socket closed under us: QEMU exited or close() was called; both end every wait below
        } finally {
            SandboxException gone = new SandboxException("QMP connection closed" + (closed ? "" : " by QEMU"));
            greeting.completeExceptionally(gone);
            pending.values().forEach(f -> f.completeExceptionally(gone));
            closed = true;
        }
    }

    private static JsonNode await(CompletableFuture<JsonNode> f, Duration within, String what)
            throws SandboxException, InterruptedException {
        try {
            return f.get(within.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new SandboxException("no answer from QEMU within " + within + " for " + what, e);
        } catch (ExecutionException e) {
            throw new SandboxException("no answer from QEMU for " + what + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a unix socket fails only when it is already closed
            }
        }
    }
}
