// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.core.json.Json;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * The {@code --json} option of a {@link Prints.Kind#DATA} command (a picocli mixin), and how the document is printed:
 * with the project's JSON mapper, indented, one document per run. Where the command reads the coordinator's API the
 * document is the API's own answer, so scripts see the same fields as {@code docs/openapi.yaml} describes. Used by
 * one command at a time.
 */
final class JsonOutput {

    @Option(names = "--json", description = "Print the data as one JSON document (the API's fields) instead of text.")
    boolean json;

    /** Whether {@code --json} was given. */
    boolean on() {
        return json;
    }

    /** Prints {@code document} (a {@code JsonNode}, a record, a map) as indented JSON and flushes {@code out}. */
    static void print(PrintWriter out, Object document) throws JsonProcessingException {
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(document));
        out.flush();
    }
}
