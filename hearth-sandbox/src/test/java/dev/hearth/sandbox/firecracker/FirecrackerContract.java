// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Firecracker's published API (firecracker-api.yaml, Swagger 2.0) as a checker of requests and answers. Swagger 2.0
 * schemas are a JSON Schema draft 4 dialect, so the document's {@code definitions} become one draft-4 document; each
 * body is validated against {@code {"$ref": "#/definitions/<Name>"}} in it.
 *
 * <p>One strengthening, stated: an object definition without {@code additionalProperties} gets
 * {@code additionalProperties: false}, because Firecracker's request structs are deserialised with serde's
 * {@code deny_unknown_fields} and answer 400 to an unknown field, though the swagger does not say so. Where the
 * document states {@code additionalProperties} (MMDS contents, metric properties), its value is kept. Swagger-only
 * keywords ({@code readOnly}, {@code example}) and non-standard {@code format}s ({@code int64}, MMDS's address
 * pattern) are dropped, as draft 4 has no meaning for them. Thread-safe once built.
 */
final class FirecrackerContract {

    private static final Set<String> METHODS = Set.of("get", "put", "patch", "post", "delete");
    private static final FirecrackerContract INSTANCE = load();

    private final JsonNode document;
    private final ObjectNode schemaDocument;
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
    private final Map<String, JsonSchema> schemas = new java.util.concurrent.ConcurrentHashMap<>();

    private FirecrackerContract(JsonNode document) {
        this.document = document;
        this.schemaDocument = (ObjectNode) new YAMLMapper().createObjectNode();
        schemaDocument.put("$schema", "http://json-schema.org/draft-04/schema#");
        schemaDocument.set("definitions", strengthen(document.path("definitions").deepCopy()));
    }

    /** The contract, read once from the test resources. */
    static FirecrackerContract get() {
        return INSTANCE;
    }

    private static FirecrackerContract load() {
        try (InputStream in = FirecrackerContract.class.getResourceAsStream("firecracker-api.yaml")) {
            if (in == null) {
                throw new IllegalStateException("firecracker-api.yaml is missing from the test resources");
            }
            return new FirecrackerContract(new YAMLMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every operation the document defines, as {@code "PUT /drives/{drive_id}"}. */
    Set<String> operations() {
        Set<String> ops = new java.util.LinkedHashSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (METHODS.contains(op.getKey())) {
                ops.add(op.getKey().toUpperCase() + " " + path.getKey());
            }
        }));
        return ops;
    }

    /** The operation a concrete request line matches ({@code PUT /drives/rootfs} to its template), if any. */
    Optional<String> match(String method, String path) {
        for (String op : operations()) {
            String[] parts = op.split(" ", 2);
            String regex = parts[1].replaceAll("\\{[a-z_]+}", "[^/]+");
            if (parts[0].equals(method) && path.matches(regex)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    /** The body parameter of an operation: the definition it refers to and whether it is required. */
    record BodyParameter(String definition, boolean required) {
    }

    /** The operation's body parameter, or empty when it takes none. */
    Optional<BodyParameter> body(String operation) {
        for (JsonNode parameter : operationNode(operation).path("parameters")) {
            if (parameter.path("in").asText().equals("body")) {
                String ref = parameter.path("schema").path("$ref").asText();
                return Optional.of(new BodyParameter(ref.substring(ref.lastIndexOf('/') + 1),
                        parameter.path("required").asBoolean(false)));
            }
        }
        return Optional.empty();
    }

    /** The definition an operation's answer with {@code status} is documented with, if it has a body. */
    Optional<String> responseDefinition(String operation, int status) {
        JsonNode responses = operationNode(operation).path("responses");
        JsonNode response = responses.has(Integer.toString(status)) ? responses.path(Integer.toString(status))
                : responses.path("default");
        String ref = response.path("schema").path("$ref").asText("");
        return ref.isEmpty() ? Optional.empty() : Optional.of(ref.substring(ref.lastIndexOf('/') + 1));
    }

    /** Whether the operation documents this status (or a default). */
    boolean documents(String operation, int status) {
        JsonNode responses = operationNode(operation).path("responses");
        return responses.has(Integer.toString(status)) || responses.has("default");
    }

    /** What is wrong with {@code instance} as a {@code definition}; empty when it conforms. */
    List<String> violations(String definition, JsonNode instance) {
        if (!schemaDocument.path("definitions").has(definition)) {
            return List.of("no definition " + definition + " in firecracker-api.yaml");
        }
        JsonSchema schema = schemas.computeIfAbsent(definition, name -> {
            ObjectNode wrapper = schemaDocument.deepCopy();
            wrapper.put("$ref", "#/definitions/" + name);
            return factory.getSchema(wrapper);
        });
        List<String> errors = new ArrayList<>();
        for (ValidationMessage message : schema.validate(instance)) {
            errors.add(definition + ": " + message.getMessage());
        }
        return errors;
    }

    private JsonNode operationNode(String operation) {
        String[] parts = operation.split(" ", 2);
        return document.path("paths").path(parts[1]).path(parts[0].toLowerCase());
    }

    /** Object definitions without additionalProperties become closed; swagger-only keywords go. */
    private static JsonNode strengthen(JsonNode node) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            object.remove(List.of("readOnly", "example", "format"));
            if ("object".equals(object.path("type").asText()) && object.has("properties")
                    && !object.has("additionalProperties")) {
                object.put("additionalProperties", false);
            }
            Map<String, JsonNode> children = new LinkedHashMap<>();
            object.properties().forEach(e -> children.put(e.getKey(), e.getValue()));
            children.forEach((key, child) -> {
                // a property named like a keyword ("properties" in Metrics) is still a schema: recurse into all
                strengthen(child);
            });
        } else if (node.isArray()) {
            node.forEach(FirecrackerContract::strengthen);
        }
        return node;
    }
}
