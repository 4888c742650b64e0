// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The instance commands with {@code --node}: sent through the coordinator's API to the node's agent, which runs them
 * as the local commands would. Shows the node's steps as they come, polling the request while the node works.
 */
final class InstanceRemote {

    /** How long each API call waits for the node before it answers 202 (below the client's 30 s timeout). */
    private static final String WAIT = "?wait=20s";

    private InstanceRemote() {
    }

    /** Sends a command ({@code method} on {@code path}), follows it to its end, and returns the finished request. */
    static JsonNode run(CoordinatorClient client, String method, String path, String body, PrintWriter err)
            throws IOException, InterruptedException {
        try (LiveLine live = LiveLine.forTerminal(err)) {
            return run(client, method, path, body, live);
        }
    }

    /** As above, each step a plain line and, on a terminal, the newest one live with its elapsed time. */
    private static JsonNode run(CoordinatorClient client, String method, String path, String body, LiveLine err)
            throws IOException, InterruptedException {
        JsonNode r = switch (method) {
            case "POST" -> client.post(path + WAIT, body == null ? "" : body, "application/json");
            case "DELETE" -> client.delete(path + WAIT);
            default -> throw new IllegalArgumentException(method);
        };
        int shown = show(r, 0, err);
        while (r.path("state").asText().equals("pending")) {
            Thread.sleep(1000);
            r = client.get("/v1/instances/requests/" + r.get("requestId").asText());
            shown = show(r, shown, err);
        }
        if (r.path("state").asText().equals("failed")) {
            throw new IOException(r.at("/error/message").asText("the node did not say why"));
        }
        return r;
    }

    /** Prints the steps from {@code from} on, and makes the newest the live one; returns how many are shown. */
    static int show(JsonNode request, int from, LiveLine live) {
        JsonNode steps = request.path("steps");
        for (int i = from; i < steps.size(); i++) {
            String step = steps.get(i).path("step").asText() + " (node " + request.path("nodeId").asText() + ")";
            live.println("  " + step);
            if (i == steps.size() - 1) {
                live.step(step);
            }
        }
        if (!request.path("state").asText().equals("pending")) {
            live.stepEnded();
        }
        return Math.max(from, steps.size());
    }

    /**
     * {@code hearth instance list --coordinator}: every node's instances (or one node's), as a table, or with
     * {@code json} as the API's document {@code {"instances": [...]}} (only that node's with {@code node}).
     */
    static void list(CoordinatorClient client, String node, boolean json, PrintWriter out, Map<String, String> env)
            throws IOException, InterruptedException {
        ArrayNode mine = Json.mapper().createArrayNode();
        for (JsonNode i : client.getAll("/v1/instances", "instances").path("instances")) {
            if (node == null || node.equals(i.path("nodeId").asText())) {
                mine.add(i);
            }
        }
        if (json) {
            JsonOutput.print(out, Json.mapper().createObjectNode().set("instances", mine));
            return;
        }
        if (mine.isEmpty()) {
            out.println("no instances");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        for (JsonNode i : mine) {
            rows.add(new String[] {i.path("nodeId").asText() + (i.path("nodeConnected").asBoolean() ? "" : " (offline)"),
                i.path("id").asText(), i.path("guestIp").asText("-"), i.path("hostPort").asText(),
                i.path("runtime").asText(), i.path("state").asText(), i.path("health").asText(),
                i.path("restarts").asText()});
        }
        Table.of(rows, Table.Column.keep("NODE"), Table.Column.keep("INSTANCE"), Table.Column.keep("IP"),
                Table.Column.keep("PORT"), Table.Column.keep("RUNTIME"), Table.Column.keep("STATE"),
                Table.Column.free("HEALTH"), Table.Column.keep("RESTARTS")).print(out, env);
    }
}
