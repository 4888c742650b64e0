// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.DurationText;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;

/** Prints a job result for a person, or as one JSON document. */
final class ResultPrinter {

    private ResultPrinter() {
    }

    static String json(JobResult result) {
        try {
            return Json.mapper().writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a job result always serialises", e);
        }
    }

    static void human(JobResult r, PrintWriter out) {
        out.println("---");
        out.println("job            " + r.jobId());
        out.println("status         " + r.status().wireName() + (r.message() == null ? "" : " (" + r.message() + ")"));
        out.println("exit code      " + r.exitCode());
        out.println("duration       " + DurationText.format(Duration.ofMillis(r.durationMillis())));
        out.println("log bytes      " + r.logBytes() + (r.logsTruncated() ? " (truncated in the result)" : ""));
        out.println("timestamp      " + r.timestamp());
        out.println("logsHash       " + r.logsHash());
        out.println("executionHash  " + r.executionHash());
        out.flush();
    }
}
