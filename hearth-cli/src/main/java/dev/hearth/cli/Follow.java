package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/** Follows a submitted job until it ends and prints it the way {@code hearth run} prints a result. */
final class Follow {

    private Follow() {
    }

    static int untilFinal(CoordinatorClient client, String id, PrintWriter out, PrintWriter err)
            throws java.io.IOException, InterruptedException {
        String last = "";
        while (true) {
            JsonNode j = client.get("/v1/jobs/" + id);
            String state = j.path("state").asText();
            String line = state + (j.hasNonNull("nodeId") ? " on " + j.get("nodeId").asText() : "")
                    + (j.hasNonNull("reason") ? " (" + j.get("reason").asText() + ")" : "");
            if (!line.equals(last)) {
                err.println("hearth: job " + id + " " + line);
                err.flush();
                last = line;
            }
            if (JobCommand.FINAL.contains(state)) {
                out.print(client.getText("/v1/jobs/" + id + "/logs"));
                out.flush();
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

    static void printStatus(JsonNode j, PrintWriter out) {
        out.println("job            " + j.path("id").asText());
        out.println("state          " + j.path("state").asText()
                + (j.hasNonNull("reason") ? " (" + j.get("reason").asText() + ")" : ""));
        out.println("node           " + j.path("nodeId").asText("-") + " (lease epoch " + j.path("epoch").asLong() + ")");
        out.println("attempts       " + j.path("attempts").asInt());
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
        }
        out.flush();
    }
}
