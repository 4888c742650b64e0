// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An in-process stand-in for one Firecracker process's API server, on a real unix socket: it checks every request
 * against {@link FirecrackerContract} (operation exists, body present when required, body valid against its
 * definition, JSON content type) and answers as the document says: 204 for a good PUT or PATCH, the documented
 * 200 body for a GET, 400 with a {@code fault_message} for a bad request or an injected fault. Its own answers are
 * checked against the document too. It keeps the little state the answers need (machine config, running state),
 * writes the files a snapshot names, and ends the stub process on {@code SendCtrlAltDel}, as a guest that powers
 * off would end firecracker. Violations are recorded, not thrown, so a test asserts there were none.
 */
final class FakeFirecracker implements AutoCloseable {

    /** One request as received. */
    record Exchange(String operation, String method, String path, JsonNode body, int status) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FirecrackerContract contract = FirecrackerContract.get();
    private final Path socket;
    private final Path chrootRoot;
    private final long stubPid;
    private final String instanceId;
    private final Map<String, String> faults;
    private final List<Exchange> exchanges;
    private final List<String> violations;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private ObjectNode machineConfig = JSON.createObjectNode().put("vcpu_count", 1).put("mem_size_mib", 128)
            .put("smt", false);
    private String state = "Not started";

    /**
     * Serves {@code socket}. {@code chrootRoot} (jailed processes) is where the API's absolute paths lie on the host;
     * null for a direct process. {@code faults} maps an operation to the fault message it answers with 400.
     */
    FakeFirecracker(Path socket, Path chrootRoot, long stubPid, String instanceId, Map<String, String> faults,
            List<Exchange> exchanges, List<String> violations) throws IOException {
        this.socket = socket;
        this.chrootRoot = chrootRoot;
        this.stubPid = stubPid;
        this.instanceId = instanceId;
        this.faults = faults;
        this.exchanges = exchanges;
        this.violations = violations;
        Files.createDirectories(socket.getParent());
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = Thread.ofPlatform().daemon().name("fake-firecracker-" + instanceId).start(this::accept);
    }

    Path socket() {
        return socket;
    }

    private void accept() {
        while (server.isOpen()) {
            try (SocketChannel connection = server.accept()) {
                serve(Channels.newInputStream(connection), Channels.newOutputStream(connection));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Serves requests on one connection until the client closes it (the driver uses one per request). */
    private void serve(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String head = readHead(in);
            if (head == null) {
                return;
            }
            List<String> lines = head.lines().toList();
            String[] requestLine = lines.get(0).split(" ");
            Map<String, String> headers = new HashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            respond(out, requestLine, headers, body);
        }
    }

    private synchronized void respond(OutputStream out, String[] requestLine, Map<String, String> headers,
            byte[] bodyBytes) throws IOException {
        String method = requestLine[0];
        String path = requestLine[1];
        if (requestLine.length != 3 || !requestLine[2].equals("HTTP/1.1")) {
            violations.add("bad request line: " + String.join(" ", requestLine));
        }
        Optional<String> operation = contract.match(method, path);
        if (operation.isEmpty()) {
            violations.add(method + " " + path + " is not an operation of firecracker-api.yaml");
            answer(out, method + " " + path, 400, fault("Invalid request method and/or path: " + method + " " + path));
            return;
        }
        String op = operation.get();
        JsonNode body = null;
        List<String> wrong = new ArrayList<>();
        Optional<FirecrackerContract.BodyParameter> parameter = contract.body(op);
        if (bodyBytes.length > 0) {
            if (!headers.getOrDefault("content-type", "").startsWith("application/json")) {
                wrong.add(op + ": a body without Content-Type application/json");
            }
            try {
                body = JSON.readTree(bodyBytes);
            } catch (IOException e) {
                wrong.add(op + ": body is not JSON: " + e.getMessage());
            }
        }
        if (parameter.isEmpty() && bodyBytes.length > 0) {
            wrong.add(op + " takes no body");
        } else if (parameter.isPresent() && body == null && parameter.get().required()) {
            wrong.add(op + " requires a " + parameter.get().definition() + " body");
        } else if (parameter.isPresent() && body != null) {
            wrong.addAll(contract.violations(parameter.get().definition(), body));
        }
        if (!wrong.isEmpty()) {
            violations.addAll(wrong);
            exchanges.add(new Exchange(op, method, path, body, 400));
            answer(out, op, 400, fault(String.join("; ", wrong)));
            return;
        }
        if (faults.containsKey(op)) {
            exchanges.add(new Exchange(op, method, path, body, 400));
            answer(out, op, 400, fault(faults.get(op)));
            return;
        }
        int status = method.equals("GET") ? 200 : 204;
        JsonNode answer;
        try {
            answer = act(op, body);
        } catch (IOException e) { // what Firecracker refuses for lack of a file, it refuses with 400
            exchanges.add(new Exchange(op, method, path, body, 400));
            answer(out, op, 400, fault(e.getMessage()));
            return;
        }
        exchanges.add(new Exchange(op, method, path, body, status));
        answer(out, op, status, answer);
    }

    /** The effect of a valid request, and the body of its answer (null for 204). */
    private JsonNode act(String op, JsonNode body) throws IOException {
        switch (op) {
            case "GET /" -> {
                return JSON.createObjectNode().put("app_name", "Firecracker").put("id", instanceId)
                        .put("state", state).put("vmm_version", "1.17.0-fake");
            }
            case "GET /machine-config" -> {
                return machineConfig;
            }
            case "PUT /machine-config" -> machineConfig = (ObjectNode) body;
            case "PUT /actions" -> {
                switch (body.path("action_type").asText()) {
                    case "InstanceStart" -> state = "Running";
                    case "SendCtrlAltDel" -> ProcessHandle.of(stubPid).ifPresent(ProcessHandle::destroy);
                    default -> { }
                }
            }
            case "PATCH /vm" -> state = body.path("state").asText().equals("Paused") ? "Paused" : "Running";
            case "PUT /snapshot/create" -> {
                Files.writeString(host(body.path("snapshot_path").asText()), "fake vm state");
                Files.writeString(host(body.path("mem_file_path").asText()), "fake guest memory");
            }
            case "PUT /snapshot/load" -> {
                if (!Files.isRegularFile(host(body.path("snapshot_path").asText()))
                        || !Files.isRegularFile(host(body.path("mem_backend").path("backend_path").asText()))) {
                    throw new IOException("snapshot files not found");
                }
                state = body.path("resume_vm").asBoolean() ? "Running" : "Paused";
            }
            default -> { }
        }
        return null;
    }

    /** An absolute path the API names, as a host path. */
    Path host(String apiPath) {
        return chrootRoot == null ? Path.of(apiPath) : chrootRoot.resolve(apiPath.substring(1));
    }

    private static JsonNode fault(String message) {
        return JSON.createObjectNode().put("fault_message", message);
    }

    private void answer(OutputStream out, String op, int status, JsonNode body) throws IOException {
        if (!contract.documents(op, status)) {
            violations.add("the fake answered " + op + " with undocumented status " + status);
        }
        if (body != null) {
            contract.responseDefinition(op, status).ifPresentOrElse(
                    definition -> violations.addAll(contract.violations(definition, body)),
                    () -> violations.add("the fake answered " + op + " " + status + " with a body"));
        }
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        String reason = switch (status) {
            case 200 -> "OK";
            case 204 -> "No Content";
            default -> "Bad Request";
        };
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + reason + "\r\nServer: Firecracker API\r\n"
                + "Connection: keep-alive\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII)); // head and body apart: partial reads
        out.flush();
        out.write(bytes);
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int c = in.read(); c >= 0; c = in.read()) {
            head.write(c);
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.US_ASCII).strip();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
    }
}
