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
    /** A value as a table cell: {@code -} for none, an array of plain values joined by commas, else JSON. */
    private static String cell(JsonNode v) {
        if (v == null || v.isNull() || (v.isArray() && v.isEmpty())) {
            return "-";
        }
        if (v.isArray() && v.valueStream().allMatch(JsonNode::isValueNode)) {
            return String.join(",", v.valueStream().map(JsonNode::asText).toList());
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }

    static void table(PrintWriter out, JsonNode rows, String... columns) {
        out.println(String.join("\t", columns));
        for (JsonNode row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns.length; i++) {
                JsonNode v = row.get(columns[i]);
                line.append(i == 0 ? "" : "\t").append(cell(v));
            }
            out.println(line);
        }
    }
}
