// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import java.util.function.Supplier;

/**
 * The coordinator's HTTP routes for nodes, beside its agent WebSocket ({@code ws(s)://host:port/v1/agent} serves
 * them at {@code http(s)://host:port/v1/agent/jobs/...}), with the node's credentials on every request: its token
 * and public key, the pair it registers with. Thread-safe.
 */
public final class NodeHttp {

    /** How long connecting, and waiting for an answer's head, may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<URI> agentEndpoint;
    private final String token;
    private final String nodeKey;
    private final HttpClient http;

    /**
     * @param agentEndpoint the agent WebSocket of the coordinator to ask (the one the link is connected to)
     * @param token the node token
     * @param nodeKey the node's public key, base64 X.509
     * @param tls the trust of a wss:// coordinator (the link's), empty for the JDK's
     */
    public NodeHttp(Supplier<URI> agentEndpoint, String token, String nodeKey, Optional<SSLContext> tls) {
        this.agentEndpoint = agentEndpoint;
        this.token = token;
        this.nodeKey = nodeKey;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        tls.ifPresent(b::sslContext);
        this.http = b.build();
    }

    /** The client requests go through. */
    HttpClient client() {
        return http;
    }

    /**
     * A request to {@code /jobs/{jobId}/{rest}?epoch=N&query} with the node's credentials; {@code rest} is sent as
     * given (its caller encodes it).
     */
    HttpRequest.Builder request(String jobId, long epoch, String rest, String query) {
        URI endpoint = agentEndpoint.get();
        String scheme = endpoint.getScheme().equals("wss") || endpoint.getScheme().equals("https") ? "https" : "http";
        URI uri = URI.create(scheme + "://" + endpoint.getRawAuthority() + endpoint.getRawPath() + "/jobs/"
                + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/" + rest + "?epoch=" + epoch
                + (query.isEmpty() ? "" : "&" + query));
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .header("Hearth-Node-Key", nodeKey);
    }
}
