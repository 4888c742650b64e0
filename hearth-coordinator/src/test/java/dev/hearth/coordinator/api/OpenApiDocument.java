// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docs/openapi.yaml, read for tests: its operations, their documented answers, and their schemas as JSON Schema
 * 2020-12 (which OpenAPI 3.1 uses) with the document's components, so a response body can be validated.
 */
final class OpenApiDocument {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    /** Reads docs/openapi.yaml from the repository root above the working folder (Maven runs in the module). */
    static OpenApiDocument find() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve("docs/openapi.yaml");
            if (Files.isRegularFile(file)) {
                return new OpenApiDocument(new YAMLMapper().readTree(file.toFile()));
            }
        }
        throw new IOException("docs/openapi.yaml not found above " + Path.of("").toAbsolutePath());
    }

    JsonNode root() {
        return root;
    }

    /** Every operation as {@code "GET /v1/jobs/{id}"}, in document order. */
    Map<String, JsonNode> operations() {
        Map<String, JsonNode> ops = new LinkedHashMap<>();
        root.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (METHODS.contains(op.getKey())) {
                ops.put(op.getKey().toUpperCase() + " " + path.getKey(), op.getValue());
            }
        }));
        return ops;
    }

    /** The response codes an operation documents, as written ({@code "200"}, {@code "default"}). */
    Set<String> statuses(String operation) {
        Set<String> codes = new LinkedHashSet<>();
        operation(operation).path("responses").fieldNames().forEachRemaining(codes::add);
        return codes;
    }

    /** The documented response for a status, {@code $ref}s followed; a missing node when there is none. */
    JsonNode response(String operation, int status) {
        return resolve(operation(operation).path("responses").path(String.valueOf(status)));
    }

    /** The media types a response documents (without parameters). */
    Set<String> mediaTypes(String operation, int status) {
        Set<String> types = new LinkedHashSet<>();
        response(operation, status).path("content").fieldNames().forEachRemaining(types::add);
        return types;
    }

    /** The schema of a response's media type, unresolved; a missing node when there is none. */
    JsonNode schema(String operation, int status, String mediaType) {
        return response(operation, status).path("content").path(mediaType).path("schema");
    }

    /** The {@code required} properties of a schema's top level, {@code $ref}s followed. */
    List<String> requiredProperties(JsonNode schema) {
        List<String> names = new ArrayList<>();
        resolve(schema).path("required").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** What JSON Schema 2020-12 finds wrong with {@code instance} against {@code schema}; empty when it conforms. */
    Set<ValidationMessage> validate(JsonNode schema, JsonNode instance) {
        ObjectNode wrapper = schema.deepCopy();
        wrapper.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        // the schema's "#/components/schemas/..." references resolve against this wrapper as their document
        wrapper.set("components", root.path("components"));
        return SCHEMAS.getSchema(wrapper).validate(instance);
    }

    /** A request body example: its media type and the body as sent (JSON text, or the YAML as written). */
    record Example(String name, String mediaType, String body) {
    }

    /** The request body examples of an operation, ready to send. */
    List<Example> requestExamples(String operation) throws IOException {
        List<Example> examples = new ArrayList<>();
        for (var media : operation(operation).path("requestBody").path("content").properties()) {
            for (var example : media.getValue().path("examples").properties()) {
                JsonNode value = example.getValue().path("value");
                examples.add(new Example(example.getKey(), media.getKey(),
                        value.isTextual() ? value.asText() : JSON.writeValueAsString(value)));
            }
        }
        return examples;
    }

    /** Every response example that does not conform to its schema, with the violations. */
    List<String> responseExampleViolations() {
        List<String> wrong = new ArrayList<>();
        operations().forEach((op, node) -> node.path("responses").properties().forEach(code -> resolve(code.getValue())
                .path("content").properties().forEach(media -> media.getValue().path("examples").properties()
                        .forEach(example -> {
                            JsonNode value = example.getValue().path("value");
                            JsonNode schema = media.getValue().path("schema");
                            Set<ValidationMessage> errors = validate(schema, value);
                            if (!errors.isEmpty()) {
                                wrong.add(op + " " + code.getKey() + " " + example.getKey() + ": " + errors);
                            }
                        }))));
        return wrong;
    }

    /** Every local {@code $ref} that points at nothing. */
    List<String> danglingReferences() {
        List<String> dangling = new ArrayList<>();
        collectDangling(root, dangling);
        return dangling;
    }

    private void collectDangling(JsonNode node, List<String> dangling) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual() && (!ref.asText().startsWith("#/")
                    || root.at(ref.asText().substring(1)).isMissingNode())) {
                dangling.add(ref.asText());
            }
        }
        node.forEach(child -> collectDangling(child, dangling));
    }

    private JsonNode operation(String operation) {
        String[] parts = operation.split(" ", 2);
        return root.path("paths").path(parts[1]).path(parts[0].toLowerCase());
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; current.has("$ref") && hops < 10; hops++) {
            current = root.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }
}
