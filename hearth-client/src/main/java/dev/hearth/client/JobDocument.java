// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job as it is submitted: the coordinator's job document (docs/openapi.yaml, {@code JobDocument}) as JSON or YAML
 * text, and the local files to deliver as <em>inputs</em>: each is uploaded once as a blob
 * ({@code PUT /v1/blobs/sha256:…}, skipped when the coordinator has it) and named in the document's {@code files}
 * by its digest, so an input may be far larger than a message. The coordinator validates the document; this type
 * checks only its form. Immutable (the inputs' content is read at submit).
 *
 * @param mediaType {@code application/json} or {@code application/yaml}
 * @param body the document
 * @param inputs job path (under /job) to local file; only with a JSON document
 */
public record JobDocument(String mediaType, String body, Map<String, Path> inputs) {

    /** The JSON media type. */
    public static final String JSON = "application/json";
    /** The YAML media type. */
    public static final String YAML = "application/yaml";

    public JobDocument {
        if (!JSON.equals(mediaType) && !YAML.equals(mediaType)) {
            throw new IllegalArgumentException("mediaType must be " + JSON + " or " + YAML + "; got " + mediaType);
        }
        if (body == null || body.isBlank()) {
            throw new IllegalArgumentException("body must be a job document, e.g. {\"command\":[\"echo\",\"hi\"]}");
        }
        inputs = inputs == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        if (!inputs.isEmpty() && !JSON.equals(mediaType)) {
            throw new IllegalArgumentException("inputs are added to a JSON document's files; this one is " + mediaType
                    + ": build it with JobDocument.builder() or JobDocument.json(text)");
        }
        inputs.forEach((path, local) -> {
            if (path == null || path.isBlank() || local == null) {
                throw new IllegalArgumentException("an input needs a job path (under /job) and a local file; got "
                        + path + " -> " + local);
            }
        });
    }

    /** A JSON document as text. */
    public static JobDocument json(String text) {
        return new JobDocument(JSON, text, Map.of());
    }

    /** A YAML document as text (no inputs: name them in a JSON document). */
    public static JobDocument yaml(String text) {
        return new JobDocument(YAML, text, Map.of());
    }

    /** A document built field by field. */
    public static Builder builder() {
        return new Builder();
    }

    /** This document with one more input: {@code local}'s content delivered at {@code jobPath}. */
    public JobDocument withInput(String jobPath, Path local) {
        Map<String, Path> more = new LinkedHashMap<>(inputs);
        more.put(jobPath, local);
        return new JobDocument(mediaType, body, more);
    }

    /** The body to send once the inputs are uploaded: each input as a {@code files} entry naming its blob. */
    String bodyWith(Map<String, String> digests) {
        if (digests.isEmpty()) {
            return body;
        }
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("body is not JSON: " + e.getOriginalMessage(), e);
        }
        if (!(tree instanceof ObjectNode doc)) {
            throw new IllegalArgumentException("body must be a JSON object (a job document)");
        }
        ArrayNode files = doc.has("files") && doc.get("files").isArray() ? (ArrayNode) doc.get("files")
                : doc.putArray("files");
        digests.forEach((path, digest) -> files.addObject().put("path", path).put("blob", digest));
        return doc.toString();
    }

    /** Builds a JSON document; fields left unset take the coordinator's defaults. Not thread-safe. */
    public static final class Builder {
        private final ObjectNode doc = Json.mapper().createObjectNode();
        private final Map<String, Path> inputs = new LinkedHashMap<>();

        private Builder() {
        }

        /** The command and its arguments. */
        public Builder command(List<String> argv) {
            doc.putPOJO("command", List.copyOf(argv));
            return this;
        }

        /** The command and its arguments. */
        public Builder command(String... argv) {
            return command(List.of(argv));
        }

        /** Python source run as /job/script.py (in {@code hearth/python:3.11} unless an image is named). */
        public Builder script(String source) {
            doc.put("script", source);
            return this;
        }

        /** The image, e.g. {@code hearth/busybox:latest}. */
        public Builder image(String image) {
            doc.put("image", image);
            return this;
        }

        /** Memory limit, e.g. {@code 512m}. */
        public Builder memory(String memory) {
            doc.put("memory", memory);
            return this;
        }

        /** CPUs, e.g. {@code 1.5}. */
        public Builder cpus(String cpus) {
            doc.put("cpus", cpus);
            return this;
        }

        /** Process limit. */
        public Builder pids(long pids) {
            doc.put("pids", pids);
            return this;
        }

        /** Wall-clock limit, e.g. {@code 90s}. */
        public Builder timeout(String timeout) {
            doc.put("timeout", timeout);
            return this;
        }

        /** {@code none} or {@code nat}. */
        public Builder network(String mode) {
            doc.put("network", mode);
            return this;
        }

        /** An environment variable. */
        public Builder env(String name, String value) {
            (doc.has("env") ? (ObjectNode) doc.get("env") : doc.putObject("env")).put(name, value);
            return this;
        }

        /** A small file given inline (base64 in the document), at {@code path} under /job. */
        public Builder file(String path, byte[] content) {
            files().addObject().put("path", path).put("base64", Base64.getEncoder().encodeToString(content));
            return this;
        }

        /** A large file uploaded as a blob at submit, delivered at {@code path} under /job. */
        public Builder input(String path, Path local) {
            inputs.put(path, local);
            return this;
        }

        /** Higher is placed first. */
        public Builder priority(int priority) {
            doc.put("priority", priority);
            return this;
        }

        /** Placements allowed after a lost node. */
        public Builder retries(int retries) {
            doc.put("retries", retries);
            return this;
        }

        /** GPUs the job needs. */
        public Builder gpus(int count) {
            doc.putObject("gpus").put("count", count);
            return this;
        }

        /** What the submitter pays when the result passes, in credits ({@code "2.5"}). */
        public Builder price(String credits) {
            doc.put("price", credits);
            return this;
        }

        /** The submitter's ledger account the price is held from. */
        public Builder account(String name) {
            doc.put("account", name);
            return this;
        }

        /** The document. */
        public JobDocument build() {
            return new JobDocument(JSON, doc.toString(), inputs);
        }

        private ArrayNode files() {
            return doc.has("files") ? (ArrayNode) doc.get("files") : doc.putArray("files");
        }
    }
}
