// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Metric names read from a Prometheus text exposition and from docs/grafana/hearth.json, for tests. */
final class MetricNames {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");
    private static final Pattern FAMILY = Pattern.compile("(?m)^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ");
    private static final Pattern QUERIED = Pattern.compile("\\b((?:hearth|jvm|process|system)_[a-z0-9_]+)");

    private MetricNames() {
    }

    /** Every sample name in an exposition ({@code hearth_placement_seconds_bucket}, ...). */
    static Set<String> of(String exposition) {
        return all(SAMPLE.matcher(exposition));
    }

    /** Every family in an exposition, {@code _max} and {@code _total} taken off (what docs name). */
    static Set<String> families(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String f : all(FAMILY.matcher(exposition))) {
            names.add(f.replaceAll("_(max|total)$", ""));
        }
        return names;
    }

    /** Every metric the dashboard's queries read. */
    static Set<String> inDashboard(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : Json.mapper().readTree(Files.readString(file)).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                names.addAll(all(QUERIED.matcher(target.path("expr").asText())));
            }
        }
        return names;
    }

    /** The repository's docs folder, above the module folder Maven runs in. */
    static Path docs() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/grafana/hearth.json"))) {
                return dir.resolve("docs");
            }
        }
        throw new IllegalStateException("no docs/grafana/hearth.json above " + Path.of("").toAbsolutePath());
    }

    private static Set<String> all(Matcher m) {
        Set<String> names = new TreeSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
