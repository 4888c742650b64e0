// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hearth.core.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Every operation the Java and Python clients call is in docs/openapi.yaml")
class OpenApiContractTest {

    private static final Path OPENAPI = Path.of("..", "docs", "openapi.yaml");

    private static JsonNode paths() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(OPENAPI.toFile()).path("paths");
    }

    private static List<String> missing(JsonNode paths, Map<String, String> operations) {
        List<String> missing = new ArrayList<>();
        operations.forEach((template, method) -> {
            if (!paths.path(template).has(method.toLowerCase(Locale.ROOT))) {
                missing.add(method + " " + template);
            }
        });
        return missing;
    }

    @Test
    @DisplayName("the Java client's endpoints")
    void javaClient() throws Exception {
        JsonNode paths = paths();
        List<String> missing = new ArrayList<>();
        for (Endpoint e : Endpoint.values()) {
            missing.addAll(missing(paths, Map.of(e.template(), e.method())));
        }
        assertThat(missing).as("operations hearth-client calls that docs/openapi.yaml lacks").isEmpty();
        assertThat(missing(paths, Map.of("/v1/no-such-thing", "GET"))).as("the check can fail").hasSize(1);
    }

    @Test
    @DisplayName("the Python client's endpoints (hearth._transport.ENDPOINTS)")
    void pythonClient() throws Exception {
        String report = PythonTests.run(Map.of(), 60, "tests.dump_endpoints");
        String json = report.lines().filter(l -> l.startsWith("[[")).findFirst().orElseThrow(
                () -> new AssertionError("no endpoint list in: " + report));
        JsonNode endpoints = Json.mapper().readTree(json);
        assertThat(endpoints.size()).isGreaterThanOrEqualTo(Endpoint.values().length);
        JsonNode paths = paths();
        List<String> missing = new ArrayList<>();
        endpoints.forEach(e -> missing.addAll(missing(paths, Map.of(e.get(1).asText(), e.get(0).asText()))));
        assertThat(missing).as("operations the Python client calls that docs/openapi.yaml lacks").isEmpty();
    }
}
