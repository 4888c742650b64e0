// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A node for CLI tests: registers over the coordinator's agent WebSocket as a Hypernode v2.0 agent (no key) with a
 * token that {@code hearth token create} made, and stays connected (the socket is left open for the test's life).
 */
final class LegacyNode {

    private LegacyNode() {
    }

    /** Registers one node with the coordinator on {@code port}, as {@code env}'s admin; its id. */
    static String register(int port, Map<String, String> env) throws Exception {
        CliRun made = CliRun.of(env, "token", "create");
        if (made.exit() != 0) {
            throw new IllegalStateException("hearth token create failed: " + made.err());
        }
        String token = made.out().strip();
        CompletableFuture<String> registered = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + port + "/v1/agent"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence text, boolean last) {
                        partial.append(text);
                        if (last) {
                            String frame = partial.toString();
                            partial.setLength(0);
                            if (frame.contains("\"registered\"")) {
                                registered.complete(frame.replaceAll(".*\"nodeId\":\"([^\"]+)\".*", "$1"));
                            }
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("{\"type\":\"register\",\"token\":\"" + token + "\",\"hostInfo\":{\"hostname\":\"cli-test\","
                + "\"os\":\"Linux\",\"arch\":\"x86_64\",\"gpus\":[],\"agent_version\":\"2.0.0-docker\"}}", true)
                .get(10, TimeUnit.SECONDS);
        return registered.get(10, TimeUnit.SECONDS);
    }
}
