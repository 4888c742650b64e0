// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import dev.hearth.agent.node.HealthServer;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a running {@code hearth agent} shows of itself: its /metrics (on the health port its state folder names). */
record AgentProbe(Path state) {

    /** The value of metric {@code name} on the series whose labels hold {@code label}; 0 when there is none. */
    double value(String name, String label) throws Exception {
        int port = Integer.parseInt(Files.readString(state.resolve(HealthServer.PORT_FILE)).strip());
        try (HttpClient http = HttpClient.newHttpClient()) {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(label)
                    + "[^}]*\\} ([0-9.eE+]+)$").matcher(text);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        }
    }

    /** The fields of the agent's JSON line in {@code log} saying that {@code job} finished. */
    static Map<String, String> finishedLine(Path log, String job) throws IOException {
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{") && line.contains("\"job " + job + " finished")) {
                Map<String, String> fields = new HashMap<>();
                Json.mapper().readTree(line).properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
                return fields;
            }
        }
        throw new AssertionError("no line says job " + job + " finished in " + log);
    }
}
