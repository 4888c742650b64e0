// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What the tenant-admin commands ({@code hearth client|key|audit|token}) share: the {@code --coordinator} option
 * and how they show a list. Used by one command at a time.
 */
abstract class AdminApi {

    @Option(names = "--coordinator", paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    /** The coordinator, authenticated as the environment says. */
    CoordinatorClient client(Map<String, String> env) throws IOException {
        return CoordinatorClient.from(coordinator, env);
    }

    /** A value as a table cell: {@code -} for none, an array of plain values joined by commas, else JSON. */
    static String cell(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode() || (v.isArray() && v.isEmpty())) {
            return "-";
        }
        if (v.isArray() && v.valueStream().allMatch(JsonNode::isValueNode)) {
            return String.join(",", v.valueStream().map(JsonNode::asText).toList());
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }

    /**
     * Prints the API's {@code answer}: as it is with {@code --json}, else its list {@code field} as a table whose
     * columns are headed by, and show, the rows' fields of the same names ({@link #cell}).
     */
    static void show(PrintWriter out, Map<String, String> env, JsonOutput json, JsonNode answer, String field,
            Table.Column... columns) throws IOException {
        if (json.on()) {
            JsonOutput.print(out, answer);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        for (JsonNode row : answer.path(field)) {
            String[] cells = new String[columns.length];
            for (int i = 0; i < columns.length; i++) {
                cells[i] = cell(row.get(columns[i].header()));
            }
            rows.add(cells);
        }
        Table.of(rows, columns).print(out, env);
    }
}
