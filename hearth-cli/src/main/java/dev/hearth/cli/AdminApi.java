package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What the tenant-admin commands ({@code hearth client|key|audit|token}) share: the {@code --coordinator} option
 * and a table printer. Used by one command at a time.
 */
abstract class AdminApi {

    @Option(names = "--coordinator", paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    /** The coordinator, authenticated as the environment says. */
    CoordinatorClient client(Map<String, String> env) throws IOException {
        return CoordinatorClient.from(coordinator, env);
    }

    /** Prints {@code rows}' fields {@code columns} as a table with a header; missing fields print as {@code -}. */
    static void table(PrintWriter out, JsonNode rows, String... columns) {
        out.println(String.join("\t", columns));
        for (JsonNode row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns.length; i++) {
                JsonNode v = row.get(columns[i]);
                line.append(i == 0 ? "" : "\t").append(v == null || v.isNull() ? "-"
                        : v.isValueNode() ? v.asText() : v.toString());
            }
            out.println(line);
        }
    }
}
