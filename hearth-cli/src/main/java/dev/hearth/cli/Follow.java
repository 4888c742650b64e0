// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.client.Job;
import dev.hearth.client.JobInfo;
import dev.hearth.client.LogChunk;
import java.io.PrintWriter;

/** Follows a submitted job until it ends and prints it the way {@code hearth run} prints a result. */
final class Follow {

    private Follow() {
    }

    static int untilFinal(Job job, PrintWriter out, PrintWriter err) throws java.io.IOException, InterruptedException {
        try (LiveLine waiting = LiveLine.forTerminal(err)) {
            return untilFinal(job, out, err, waiting);
        }
    }

    /**
     * As {@link #untilFinal(Job, PrintWriter, PrintWriter)}; {@code waiting} shows how long the job has waited for a
     * node while it is queued or leased, and goes once it runs (its output then has the terminal to itself).
     */
    static int untilFinal(Job job, PrintWriter out, PrintWriter err, LiveLine waiting)
            throws java.io.IOException, InterruptedException {
        String id = job.id();
        String last = "";
        String lastState = "";
        LogCursor logs = new LogCursor(job, out, err);
        while (true) {
            JsonNode j = job.status().json();
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
            if (JobInfo.FINAL.contains(state)) {
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

    /**
     * Prints a job's output as it comes until the job is final ({@code hearth job logs --follow}), with the rest of
     * its result's logs; returns 0 (the job's own status is {@code job status}'s to tell).
     */
    static int logs(Job job, PrintWriter out) throws java.io.IOException, InterruptedException {
        job.followLogs(text -> {
            out.print(text);
            out.flush();
        });
        return 0;
    }

    /** Prints a job's output as it grows: live while it runs, then the rest of the result's logs. */
    private static final class LogCursor {
        private final Job job;
        private final PrintWriter out;
        private final PrintWriter err;
        private long offset;
        private long epoch;

        LogCursor(Job job, PrintWriter out, PrintWriter err) {
            this.job = job;
            this.out = out;
            this.err = err;
        }

        void printNew() throws java.io.IOException, InterruptedException {
            LogChunk chunk = job.logs(offset);
            if (chunk.epoch() != 0 && chunk.epoch() != epoch) {
                if (offset > 0) {
                    err.println("hearth: job " + job.id() + " runs again under lease epoch " + chunk.epoch()
                            + "; its output starts over");
                    err.flush();
                    offset = 0;
                    chunk = job.logs(0);
                }
                epoch = chunk.epoch();
            }
            out.print(chunk.text());
            out.flush();
            offset = chunk.nextOffset();
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
