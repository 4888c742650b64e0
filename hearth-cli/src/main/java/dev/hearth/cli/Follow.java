// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/** Follows a submitted job until it ends and prints it the way {@code hearth run} prints a result. */
final class Follow {

    private Follow() {
    }

    static int untilFinal(CoordinatorClient client, String id, PrintWriter out, PrintWriter err)
            throws java.io.IOException, InterruptedException {
        try (LiveLine waiting = LiveLine.forTerminal(err)) {
            return untilFinal(client, id, out, err, waiting);
        }
    }

    /**
     * As {@link #untilFinal(CoordinatorClient, String, PrintWriter, PrintWriter)}; {@code waiting} shows how long the
     * job has waited for a node while it is queued or leased, and goes once it runs (its output then has the
     * terminal to itself).
     */
    static int untilFinal(CoordinatorClient client, String id, PrintWriter out, PrintWriter err, LiveLine waiting)
            throws java.io.IOException, InterruptedException {
        String last = "";
        String lastState = "";
        LogCursor logs = new LogCursor(client, id, out, err);
        while (true) {
            JsonNode j = client.get("/v1/jobs/" + id);
            String state = j.path("state").asText();
            String line = state + (j.hasNonNull("nodeId") ? " on " + j.get("nodeId").asText() : "")
                    + (j.hasNonNull("reason") ? " (" + j.get("reason").asText() + ")" : "");
            if (!line.equals(last)) {
                waiting.println("hearth: job " + id + " " + line);
                last = line;
            }
            if (!state.equals(lastState)) {
                if (state.equals("queued") || state.equals("unplaceable") || state.equals("leased")) {
                    waiting.step("job " + state);
                } else {
                    waiting.close();
                }
                lastState = state;
            }
            logs.printNew();
            if (JobCommand.FINAL.contains(state)) {
                logs.printNew(); // the result's logs, which may end with the truncation marker
                printStatus(j, err);
                JsonNode r = j.path("result");
                return switch (r.path("status").asText("error")) {
                    case "completed", "failed" -> (int) Math.max(0, Math.min(255, r.path("exitCode").asLong()));
                    case "timeout" -> 124;
                    case "oom" -> 137;
                    default -> 125;
                };
            }
            Thread.sleep(500);
        }
    }

    /** Prints a job's output as it grows: live while it runs, then the rest of the result's logs. */
    private static final class LogCursor {
        private final CoordinatorClient client;
        private final String id;
        private final PrintWriter out;
        private final PrintWriter err;
        private long offset;
        private long epoch;

        LogCursor(CoordinatorClient client, String id, PrintWriter out, PrintWriter err) {
            this.client = client;
            this.id = id;
            this.out = out;
            this.err = err;
        }

        void printNew() throws java.io.IOException, InterruptedException {
            var r = client.getTextResponse("/v1/jobs/" + id + "/logs?offset=" + offset);
            long from = r.headers().firstValueAsLong("Hearth-Log-Epoch").orElse(0);
            if (from != 0 && from != epoch) {
                if (offset > 0) {
                    err.println("hearth: job " + id + " runs again under lease epoch " + from
                            + "; its output starts over");
                    err.flush();
                    offset = 0;
                    r = client.getTextResponse("/v1/jobs/" + id + "/logs?offset=0");
                }
                epoch = from;
            }
            out.print(r.body());
            out.flush();
            offset += r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length; // offsets count bytes
        }
    }

    static void printStatus(JsonNode j, PrintWriter out) {
        out.println("job            " + j.path("id").asText());
        out.println("state          " + j.path("state").asText()
                + (j.hasNonNull("reason") ? " (" + j.get("reason").asText() + ")" : ""));
        out.println("node           " + j.path("nodeId").asText("-") + " (lease epoch " + j.path("epoch").asLong() + ")");
        out.println("attempts       " + j.path("attempts").asInt());
        if (j.hasNonNull("price")) {
            out.println("price          " + j.get("price").asText() + " credits from " + j.path("account").asText()
                    + " (" + j.path("payment").asText() + ")");
        }
        JsonNode r = j.path("result");
        if (!r.isMissingNode() && !r.isNull()) {
            out.println("status         " + r.path("status").asText()
                    + (r.hasNonNull("message") ? " (" + r.get("message").asText() + ")" : ""));
            out.println("exit code      " + r.path("exitCode").asLong());
            out.println("log bytes      " + r.path("logBytes").asLong() + (r.path("logsTruncated").asBoolean() ? " (truncated)" : ""));
            out.println("timestamp      " + r.path("timestamp").asText());
            out.println("logsHash       " + r.path("logsHash").asText());
            out.println("executionHash  " + r.path("executionHash").asText());
            out.println("hashes hold    " + r.path("hashesHold").asBoolean());
            out.println("signed         " + r.path("signed").asBoolean());
        }
        if (j.hasNonNull("copyOf")) {
            out.println("copy           " + j.path("copyIndex").asInt() + " of job " + j.get("copyOf").asText());
        }
        if (j.hasNonNull("redundancy")) {
            out.println("redundancy     " + j.at("/redundancy/k").asInt() + " of " + j.at("/redundancy/n").asInt()
                    + " copies must agree");
            for (JsonNode c : j.path("copies")) {
                out.printf("  #%-2d %-10s node %-36s %-8s %s%s%n", c.path("index").asInt(), c.path("state").asText(),
                        c.path("nodeId").asText("-"), c.path("verdict").asText("-"),
                        c.has("payment") ? c.path("share").asText() + " " + c.path("payment").asText() : "",
                        c.hasNonNull("flagged") ? "; FLAGGED: " + c.get("flagged").asText() : "");
            }
        }
        JsonNode v = j.path("verdict");
        if (!v.isMissingNode() && !v.isNull()) {
            out.println("verdict        " + v.path("outcome").asText()
                    + (v.hasNonNull("failedCheck") ? " (" + v.get("failedCheck").asText() + " fails)" : "")
                    + (v.hasNonNull("flagged") ? "; flagged: " + v.get("flagged").asText() : ""));
            for (JsonNode c : v.path("checks")) {
                out.printf("  %-12s %-7s %s%n", c.path("name").asText(), c.path("outcome").asText(),
                        c.path("detail").asText());
            }
        }
        out.flush();
    }
}
