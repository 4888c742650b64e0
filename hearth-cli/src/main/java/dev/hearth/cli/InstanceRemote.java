package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

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

    private static int show(JsonNode request, int from, PrintWriter err) {
        JsonNode steps = request.path("steps");
        for (int i = from; i < steps.size(); i++) {
            err.println("  " + steps.get(i).path("step").asText() + " (node " + request.path("nodeId").asText() + ")");
        }
        err.flush();
        return Math.max(from, steps.size());
    }

    /** {@code hearth instance list --coordinator}: every node's instances (or one node's). */
    static void list(CoordinatorClient client, String node, PrintWriter out) throws IOException, InterruptedException {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "INSTANCE", "IP", "PORT", "RUNTIME", "STATE", "HEALTH", "RESTARTS"});
        for (JsonNode i : client.get("/v1/instances").path("instances")) {
            if (node != null && !node.equals(i.path("nodeId").asText())) {
                continue;
            }
            rows.add(new String[] {i.path("nodeId").asText() + (i.path("nodeConnected").asBoolean() ? "" : " (offline)"),
                i.path("id").asText(), i.path("guestIp").asText("-"), i.path("hostPort").asText(),
                i.path("runtime").asText(), i.path("state").asText(), i.path("health").asText(),
                i.path("restarts").asText()});
        }
        if (rows.size() == 1) {
            out.println("no instances");
            return;
        }
        table(rows, out);
    }

    /** Prints rows in columns, two spaces apart. */
    static void table(List<String[]> rows, PrintWriter out) {
        int[] width = new int[rows.getFirst().length];
        rows.forEach(r -> {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
