// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A client of one Firecracker process's REST API on its unix socket. Each call is one HTTP/1.1 exchange on a fresh
 * connection, bounded by the client's timeout. Thread-safe (it holds no connection), though Firecracker serves one
 * request at a time.
 */
public final class FirecrackerApi {

    /**
     * Every operation this client can send, as the swagger document names them; the contract test checks that each
     * exists in the document, that every request it sends validates, and that each one is exercised.
     */
    public static final List<String> OPERATIONS = List.of(
            "GET /",
            "GET /machine-config",
            "PUT /logger",
            "PUT /metrics",
            "PUT /machine-config",
            "PUT /boot-source",
            "PUT /drives/{drive_id}",
            "PUT /network-interfaces/{iface_id}",
            "PUT /actions",
            "PATCH /vm",
            "PUT /snapshot/create",
            "PUT /snapshot/load");

    private static final ObjectMapper JSON = Json.mapper();

    private final Path socket;
    private final Duration timeout;

    /**
     * @param socket the API socket ({@code --api-sock}) as seen from this host
     * @param timeout the longest one exchange may take (Firecracker answers in milliseconds; a snapshot of a large
     *     guest takes longer)
     */
    public FirecrackerApi(Path socket, Duration timeout) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The socket this client talks to. */
    public Path socket() {
        return socket;
    }

    /**
     * Sends a request whose success is answered with no content (every PUT and PATCH).
     *
     * @throws FirecrackerApiException when Firecracker answers other than 2xx, with its fault message
     * @throws SandboxException when the socket cannot be reached or the answer is not HTTP
     * @throws InterruptedIOException when interrupted; the thread's interrupt flag stays set
     */
    public void send(FirecrackerRequest request) throws SandboxException, InterruptedIOException {
        exchange(request);
    }

    /** {@code GET /}: the instance's id, state and version. */
    public InstanceInfo describeInstance() throws SandboxException, InterruptedIOException {
        return read(new FirecrackerRequest.DescribeInstance(), InstanceInfo.class);
    }

    /** {@code GET /machine-config}: the vCPUs and memory configured. */
    public MachineConfig machineConfig() throws SandboxException, InterruptedIOException {
        return read(new FirecrackerRequest.GetMachineConfig(), MachineConfig.class);
    }

    private <T> T read(FirecrackerRequest request, Class<T> type) throws SandboxException, InterruptedIOException {
        UnixHttpExchange.Response response = exchange(request);
        try {
            return JSON.readValue(response.body(), type);
        } catch (IOException e) {
            throw new SandboxException("Firecracker API " + request.method() + " " + request.path()
                    + " answered a body that is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private UnixHttpExchange.Response exchange(FirecrackerRequest request)
            throws SandboxException, InterruptedIOException {
        byte[] body = request.hasBody() ? encode(request) : null;
        UnixHttpExchange.Response response;
        try {
            response = UnixHttpExchange.exchange(socket, request.method(), request.path(), body, timeout);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (ClosedByInterruptException e) { // the channel's own way of saying the same
            InterruptedIOException interrupted = new InterruptedIOException("interrupted during Firecracker API "
                    + request.method() + " " + request.path());
            interrupted.initCause(e);
            throw interrupted;
        } catch (IOException e) {
            throw new SandboxException("Firecracker API " + request.method() + " " + request.path() + " on "
                    + socket + " failed (timeout " + timeout.toMillis() + " ms): " + e.getMessage(), e);
        }
        if (response.status() / 100 != 2) {
            throw new FirecrackerApiException(request.method(), request.path(), response.status(),
                    faultMessage(response));
        }
        return response;
    }

    private static byte[] encode(FirecrackerRequest request) {
        try {
            return JSON.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + request, e); // records of strings and numbers
        }
    }

    private static String faultMessage(UnixHttpExchange.Response response) {
        String text = response.bodyText();
        try {
            JsonNode fault = JSON.readTree(text).path("fault_message");
            if (fault.isTextual()) {
                return fault.asText();
            }
        } catch (IOException e) {
            // not JSON: the body as it is says more than a parse error would
        }
        return text.isBlank() ? "(no fault_message)" : text.strip();
    }
}
